package dev.plexd.daemon;

import ch.qos.logback.classic.Level;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.config.DaemonConfig.WireGuardMode;
import dev.plexd.sys.Exec;
import dev.plexd.testing.LogCapture;
import dev.plexd.testing.Privileged;
import dev.plexd.wireguard.WireGuardControllers;
import dev.plexd.wireguard.WireGuardControllers.KernelSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class DataPlaneChoiceTest {

    @TempDir
    Path dir;

    private static Wiring.KernelProbe probe(boolean available, String reason) {
        return () -> new KernelSupport(available, reason);
    }

    private static final Wiring.KernelProbe MUST_NOT_PROBE = () -> {
        throw new AssertionError("only wireguard.mode auto probes the kernel");
    };

    @Test
    void autoIsKernelWireGuardWhereTheHostCanCreateALink() {
        assertThat(DataPlaneChoice.choose(WireGuardMode.AUTO, probe(true, "the wireguard kernel module is loaded")))
                .isEqualTo(new DataPlaneChoice.Choice(WireGuardMode.KERNEL, "the wireguard kernel module is loaded"));
    }

    @Test
    void autoIsTheUserspaceDataPlaneElseSayingWhy() {
        assertThat(DataPlaneChoice.choose(WireGuardMode.AUTO, probe(false, "no module: Unknown device type")))
                .isEqualTo(new DataPlaneChoice.Choice(WireGuardMode.USERSPACE,
                        "no module: Unknown device type; using plexd's userspace data plane"));
    }

    @Test
    void explicitModesStandAsConfiguredWithoutAProbe() {
        for (WireGuardMode mode : new WireGuardMode[]{WireGuardMode.KERNEL, WireGuardMode.USERSPACE, WireGuardMode.EXTERNAL}) {
            assertThat(DataPlaneChoice.choose(mode, MUST_NOT_PROBE)).isEqualTo(new DataPlaneChoice.Choice(mode, "configured"));
        }
    }

    @Test
    void theDaemonRunsWithTheChosenModeAndLogsTheChoiceOnce() throws Exception {
        LocalNode node = new LocalNode(dir);
        AtomicInteger probes = new AtomicInteger();
        Wiring.KernelProbe kernel = () -> {
            probes.incrementAndGet();
            return new KernelSupport(true, "the wireguard kernel module is loaded (/sys/module/wireguard)");
        };
        try (LogCapture logs = LogCapture.of(DataPlaneChoice.class)) {
            Daemon daemon = new Daemon(node.config(), node.wiring().withKernelProbe(kernel));
            assertThat(daemon.status().status().enforcement().wireguardMode()).isEqualTo("kernel");
            assertThat(probes).hasValue(1);
            assertThat(logs.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.INFO);
                assertThat(event.getFormattedMessage()).isEqualTo("wireguard data plane selected");
                assertThat(LogCapture.fields(event)).isEqualTo(Map.of("mode", "kernel", "configured", "auto",
                        "reason", "the wireguard kernel module is loaded (/sys/module/wireguard)"));
            });

            logs.clear();
            Daemon external = new Daemon(node.config("wireguard.mode=external", "wireguard.external_binary=/bin/true"),
                    node.wiring().withKernelProbe(MUST_NOT_PROBE));
            assertThat(external.status().status().enforcement().wireguardMode()).isEqualTo("external");
            assertThat(LogCapture.fields(logs.events().getFirst()))
                    .isEqualTo(Map.of("mode", "external", "configured", "external", "reason", "configured"));
        }
    }

    @Test
    void resolvingKeepsEverythingButTheMode() throws Exception {
        DaemonConfig config = new LocalNode(dir).config("wireguard.listen_port=51999", "wireguard.mtu=1380");
        DaemonConfig resolved = DataPlaneChoice.resolve(config, probe(false, "no module"));
        assertThat(resolved.wireguard().mode()).isEqualTo(WireGuardMode.USERSPACE);
        assertThat(resolved).usingRecursiveComparison().ignoringFields("wireguard.mode").isEqualTo(config);
    }

    /** This machine has no WireGuard module (nor one to load): the real probe sends auto to userspace. */
    @Test
    @Privileged
    void onAHostWithoutTheModuleAutoPicksTheUserspaceDataPlane() throws Exception {
        assumeFalse(Files.isDirectory(Path.of("/sys/module/wireguard")), "the wireguard module is loaded here");
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        try (var modules = Files.walk(Path.of("/lib/modules"))) {
            assumeFalse(modules.anyMatch(p -> p.getFileName().toString().startsWith("wireguard.ko")
                    && p.toString().contains(release)), "the wireguard module could be loaded here");
        } catch (java.nio.file.NoSuchFileException e) {
            // no modules at all
        }
        DataPlaneChoice.Choice choice = DataPlaneChoice.choose(WireGuardMode.AUTO, () -> WireGuardControllers.probeKernel(Exec.host()));
        assertThat(choice.mode()).isEqualTo(WireGuardMode.USERSPACE);
        assertThat(choice.reason()).startsWith("the wireguard kernel module is not loaded and a WireGuard link cannot be created: ip exited with 2")
                .endsWith("; using plexd's userspace data plane");
        assertThat(Exec.host().run("ip", "netns", "list").stdout()).as("the probe's scratch namespace is gone")
                .doesNotContain("pxwprobe");
    }
}
