package dev.plexd.wireguard;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.plexd.testing.LogCapture;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import dev.plexd.testing.WireGuardGo;
import dev.plexd.wireguard.WireGuardFixtures.KeyPair;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static dev.plexd.wireguard.WireGuardFixtures.pingSucceeds;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end, "private keys never appear in logs or argv": plexd's {@link UapiController}
 * configures a supervised wireguard-go with a private key and a peer with a PSK (as
 * {@link UapiControllerTunnelTest} does) while every {@code dev.plexd} logger records at TRACE —
 * which also makes wireguard-go verbose, its output forwarded into plexd's log. Neither secret may
 * appear there, in base64 or in the hex UAPI speaks, nor in the command line of the process plexd
 * supervises.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class SecretsStayOutOfLogsAndArgvTest {

    @Test
    void theConfiguredPrivateKeyAndPskAppearInNoLogLineAndNoCommandLine() throws Exception {
        String suffix = WireGuardFixtures.uniqueSuffix();
        String ifA = "q4wa" + suffix;
        String ifB = "q4wb" + suffix;
        KeyPair keysA = WireGuardFixtures.keyPair();
        KeyPair keysB = WireGuardFixtures.keyPair();
        byte[] psk = WireGuardFixtures.presharedKey();
        Map<String, String> secrets = Map.of(
                "private key (base64)", keysA.privateBase64(),
                "private key (hex)", HexFormat.of().formatHex(keysA.privateKey()),
                "psk (base64)", WireGuardKeys.encode(psk),
                "psk (hex)", HexFormat.of().formatHex(psk));

        Logger plexd = (Logger) LoggerFactory.getLogger("dev.plexd");
        Level level = plexd.getLevel();
        Process wireguardGoB = null;
        UapiController controller = null;
        try (NetNs a = NetNs.create("q4wg"); NetNs b = NetNs.create("q4wg"); LogCapture logs = LogCapture.of("dev.plexd")) {
            plexd.setLevel(Level.TRACE);
            NetNs.link(a, "q4va" + suffix, List.of("192.0.2.1/24"), b, "q4vb" + suffix, List.of("192.0.2.2/24"));
            wireguardGoB = WireGuardGo.start(b, ifB);
            b.exec().runWithInput(keysB.privateBase64() + "\n", "wg", "set", ifB, "private-key", "/dev/stdin",
                    "listen-port", "51821").orThrow();
            b.exec().runWithInput(WireGuardKeys.encode(psk) + "\n", "wg", "set", ifB, "peer", keysA.publicBase64(),
                    "preshared-key", "/dev/stdin", "allowed-ips", "10.100.0.1/32").orThrow();
            b.sh("ip", "address", "add", "10.100.0.2/16", "dev", ifB);
            b.sh("ip", "link", "set", ifB, "up");

            controller = new UapiController(a.exec(), UapiController.Settings.defaults());
            controller.createInterface(ifA, keysA.privateKey(), 51820);
            controller.configureAddress(ifA, "10.100.0.1/16");
            controller.setUp(ifA);
            controller.addPeer(ifA, new PeerConfig(keysB.publicKey(), "192.0.2.2:51821", List.of("10.100.0.2/32"), psk, 25));
            // The keys really are in use: the handshake (with the PSK) completes and traffic flows.
            assertThat(pingSucceeds(a, "10.100.0.2")).isTrue();
            assertThat(controller.deviceStatus(ifA).privateKey()).as("read back over UAPI too").isEqualTo(keysA.privateKey());

            long pid = controller.processId(ifA).orElseThrow();
            List<String> commandLines = commandLines(pid);
            assertThat(commandLines.getFirst()).as("the supervised process").contains("wireguard-go").contains(ifA);

            controller.removePeer(ifA, keysB.publicKey());
            controller.deleteInterface(ifA);

            String logged = logs.text();
            assertThat(logged).as("wireguard-go's verbose output and plexd's own lines were captured")
                    .contains("userspace WireGuard started").contains("peer set");
            secrets.forEach((what, secret) -> {
                assertThat(logged.toLowerCase(Locale.ROOT)).as("logs contain the " + what)
                        .doesNotContain(secret.toLowerCase(Locale.ROOT));
                assertThat(commandLines).as("a command line contains the " + what)
                        .noneMatch(line -> line.contains(secret));
            });
        } finally {
            plexd.setLevel(level);
            if (controller != null) {
                controller.close();
            }
            WireGuardGo.stop(wireguardGoB, ifB);
        }
    }

    /** {@code /proc/<pid>/cmdline} of the process and of every process below it, arguments joined by spaces. */
    private static List<String> commandLines(long pid) throws Exception {
        List<String> lines = new ArrayList<>();
        List<Long> pids = Stream.concat(Stream.of(pid),
                ProcessHandle.of(pid).orElseThrow().descendants().map(ProcessHandle::pid)).toList();
        for (long p : pids) {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + p + "/cmdline"));
            lines.add(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip());
        }
        return lines;
    }
}
