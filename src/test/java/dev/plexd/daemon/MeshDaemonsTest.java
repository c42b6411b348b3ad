package dev.plexd.daemon;

import dev.plexd.controlplane.DevControlPlane;
import dev.plexd.daemon.config.ConfigLoader;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static dev.plexd.daemon.DaemonTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code plexd up} daemons as {@link Wiring#builtIn} wires them — control plane link and
 * wireguard-go ({@code wireguard.mode: external}) — each in its own namespace, joined by a veth
 * "LAN", against the development control plane on loopback: they register, get each other as
 * peers from the policy, handshake and ping over the mesh; removing the policy from the control
 * plane's state file removes the peers live (through the signed event stream) and the ping fails.
 * No firewall backend ({@code none}): the policy acts through which peers WireGuard knows.
 */
@Privileged(tools = {"wireguard-go", "wg", "ip", "ping"})
class MeshDaemonsTest {

    private static final String TOKEN = "mesh-token-0123456789";

    @TempDir
    Path dir;

    private final List<Daemon> daemons = new ArrayList<>();
    private DevControlPlane plane;

    @AfterEach
    void stop() {
        daemons.forEach(Daemon::stop);
        if (plane != null) {
            plane.close();
        }
    }

    private void writeState(boolean policy) throws IOException {
        String text = """
                peers:
                  - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.1:51861"}
                  - {id: beta, mesh_ip: 10.100.0.2, endpoint: "192.0.2.2:51862"}
                policies:
                """ + (policy ? """
                  - id: alpha-beta
                    rules: [{src: alpha, dst: beta, port: 0, protocol: "", action: allow}]
                """ : "  []\n");
        Path next = dir.resolve("cp-state.next");
        Files.writeString(next, text.replace("policies:\n  []", "policies: []"));
        Files.move(next, dir.resolve("cp-state.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Daemon start(NetNs ns, String name, String iface, int port, String wireguardGo) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Path token = Files.writeString(home.resolve("token"), TOKEN);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        var config = ConfigLoader.load(null, Map.of(), List.of("control_plane.url=" + plane.url(),
                "control_plane.bootstrap_token_file=" + token, "node.hostname=" + name, "data_dir=" + home.resolve("data"),
                "config_dir=" + home.resolve("etc"), "api.socket=" + home.resolve("api.sock"), "firewall.backend=none",
                "services.enabled=false", "wireguard.mode=external", "wireguard.external_binary=" + wireguardGo,
                "wireguard.interface=" + iface, "wireguard.listen_port=" + port, "reconcile.interval=1h",
                "shutdown.timeout=5s")).config();
        Daemon daemon = new Daemon(config, Wiring.builtIn(ns.exec()));
        daemons.add(daemon);
        daemon.start();
        return daemon;
    }

    private static boolean pings(NetNs from, String to) {
        try {
            return from.exec().run("ping", "-c1", "-W1", to).ok();
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void twoDaemonsPingOverTheMeshUntilThePolicyIsRemoved() throws Exception {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        writeState(true);
        plane = DevControlPlane.start(new DevControlPlane.Options(dir.resolve("cp-state.yaml"),
                new InetSocketAddress("127.0.0.1", 0), dir.resolve("signing.pem"), TOKEN, null, Duration.ofSeconds(15), 64));
        String wireguardGo = Exec.host().run("sh", "-c", "command -v wireguard-go").orThrow().stdout().strip();
        try (NetNs a = NetNs.create("dm"); NetNs b = NetNs.create("dm")) {
            NetNs.link(a, "pxml" + suffix, List.of("192.0.2.1/24"), b, "pxmr" + suffix, List.of("192.0.2.2/24"));
            Daemon alpha = start(a, "alpha", "pxma" + suffix, 51861, wireguardGo);
            Daemon beta = start(b, "beta", "pxmb" + suffix, 51862, wireguardGo);
            await("both reconciled", () -> alpha.status().status().counts().peersConfigured() == 1
                    && beta.status().status().counts().peersConfigured() == 1);

            await("alpha pings beta over the mesh", () -> pings(a, "10.100.0.2"));
            assertThat(pings(b, "10.100.0.1")).as("beta pings alpha").isTrue();
            await("both event streams connected", () -> plane.streams() == 2);

            writeState(false);
            await("the policy's removal reaches both nodes", () -> alpha.status().status().counts().peersConfigured() == 0
                    && beta.status().status().counts().peersConfigured() == 0);
            assertThat(a.sh("wg", "show", "pxma" + suffix, "peers").stdout()).isBlank();
            assertThat(pings(a, "10.100.0.2")).as("alpha can no longer reach beta").isFalse();
        }
    }
}
