package dev.plexd.daemon;

import dev.plexd.Main;
import dev.plexd.api.Json;
import dev.plexd.daemon.api.ApiClient;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.uapi.UapiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -HUP} on a real {@code plexd up} process (local mode, plexd's userspace data plane,
 * in its own network namespace) reloads the service policy: the generation in {@code /v1/status}
 * and in the metrics advances although no file changed (so the directory watcher had nothing to
 * do), and the process logs the signal. The process then stops cleanly on SIGTERM.
 */
@Privileged(tools = {"ip"})
class SighupReloadTest {

    @TempDir
    Path dir;

    @Test
    void sighupReloadsTheServicePolicyOfARunningDaemon() throws Exception {
        Path socket = dir.resolve("api.sock");
        String iface = "s5bhup" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        try (NetNs ns = NetNs.create("s5h")) {
            Process process = ns.spawn(daemonCommand(socket, iface).toArray(String[]::new));
            List<String> output = drain(process);
            ApiClient api = new ApiClient(socket, Duration.ofSeconds(2));
            NodeStatus.Services before = awaitReady(api);
            assertThat(before.ok()).isTrue();
            assertThat(before.rules()).isEqualTo(1);
            assertThat(before.peers().getFirst().peer()).isEqualTo("beta");

            long pid = javaPid(process);
            Exec.host().run("kill", "-HUP", Long.toString(pid)).orThrow();
            until("generation advanced by SIGHUP", () -> {
                NodeStatus s = status(api);
                return s != null && s.services().generation() > before.generation();
            });
            NodeStatus.Services after = status(api).services();
            assertThat(after.ok()).isTrue();
            assertThat(after.lastSuccess()).isAfter(before.lastSuccess());
            assertThat(PrometheusText.parse(api.get("/metrics").text()).get("plexd_service_policy_generation"))
                    .isGreaterThanOrEqualTo((double) after.generation());
            until("SIGHUP logged", () -> output.stream().anyMatch(l -> l.contains("SIGHUP: reloading service policies")));
            assertThat(output).noneMatch(l -> l.contains("signal ignored since plexd started"));

            stopWithSigterm(process, pid, output);
        } finally {
            // A daemon killed by the namespace's cleanup (failed test) leaves its UAPI socket behind.
            Files.deleteIfExists(UapiServer.DEFAULT_DIRECTORY.resolve(iface + ".sock"));
        }
    }

    /**
     * Started under {@code nohup} (SIGHUP ignored by the parent), the JVM installs no SIGHUP handler:
     * plexd says so at start, keeps running (no reload) on SIGHUP, and still stops cleanly on SIGTERM.
     */
    @Test
    void aSighupIgnoredByTheParentIsReportedAtStart() throws Exception {
        Path socket = dir.resolve("api.sock");
        String iface = "s5bign" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        List<String> command = new ArrayList<>(List.of("sh", "-c", "trap '' HUP; exec \"$@\"", "sh"));
        command.addAll(daemonCommand(socket, iface));
        try (NetNs ns = NetNs.create("s5i")) {
            Process process = ns.spawn(command.toArray(String[]::new));
            List<String> output = drain(process);
            ApiClient api = new ApiClient(socket, Duration.ofSeconds(2));
            awaitReady(api);
            assertThat(output).filteredOn(l -> l.contains("signal ignored since plexd started")).singleElement()
                    .satisfies(l -> assertThat(l).contains("SIGHUP will not reload service policies", "signal=SIGHUP"));

            long pid = javaPid(process);
            Exec.host().run("kill", "-HUP", Long.toString(pid)).orThrow();
            // The reload a handled SIGHUP starts logs at once; give an ignored one the same chance to show.
            Thread.sleep(500);
            assertThat(process.isAlive()).isTrue();
            assertThat(output).noneMatch(l -> l.contains("SIGHUP: reloading service policies"));

            stopWithSigterm(process, pid, output);
        } finally {
            Files.deleteIfExists(UapiServer.DEFAULT_DIRECTORY.resolve(iface + ".sock"));
        }
    }

    /** {@code plexd up} in local mode with one service rule and beta as the only peer. */
    private List<String> daemonCommand(Path socket, String iface) throws IOException {
        Path services = Files.createDirectories(dir.resolve("etc/services"));
        Files.writeString(services.resolve("default"), "deny\n");
        Files.writeString(services.resolve("global.policy"), "allow udp 53\n");
        Path state = Files.writeString(dir.resolve("state.yaml"), LocalNode.STATE);
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:off", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "up"));
        for (String set : List.of("node.id=alpha", "node.mesh_ip=10.100.0.1/16", "data_dir=" + dir.resolve("data"),
                "config_dir=" + dir.resolve("etc"), "state_file=" + state, "api.socket=" + socket,
                "firewall.backend=none", "services.enabled=true", "wireguard.mode=userspace",
                "wireguard.interface=" + iface, "wireguard.listen_port=" + ThreadLocalRandom.current().nextInt(40000, 50000),
                "reconcile.interval=1s", "shutdown.timeout=5s", "log.format=text")) {
            command.addAll(List.of("--set", set));
        }
        return command;
    }

    private static NodeStatus.Services awaitReady(ApiClient api) throws InterruptedException {
        until("daemon ready with beta bound in the filter", () -> {
            NodeStatus s = status(api);
            return s != null && s.ready() && s.services().peers().size() == 1;
        });
        return status(api).services();
    }

    private static void stopWithSigterm(Process process, long pid, List<String> output) throws Exception {
        Exec.host().run("kill", "-TERM", Long.toString(pid)).orThrow();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as(String.join("\n", output)).isTrue();
        assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
    }

    private static NodeStatus status(ApiClient api) {
        try {
            return Json.MAPPER.readValue(api.get("/v1/status").body(), NodeStatus.class);
        } catch (IOException e) {
            return null; // not listening yet
        }
    }

    /** {@code ip netns exec} normally execs the JVM itself; if it forked, the JVM is its child. */
    private static long javaPid(Process process) {
        return process.toHandle().descendants().findFirst().orElse(process.toHandle()).pid();
    }

    /** The process's output lines, collected as they come. */
    private static List<String> drain(Process process) {
        List<String> output = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        return output;
    }
}
