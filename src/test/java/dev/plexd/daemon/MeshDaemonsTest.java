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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code plexd up} daemons as {@link Wiring#builtIn} wires them — control plane link and
 * wireguard-go ({@code wireguard.mode: external}) — each in its own namespace, joined by a veth
 * "LAN", against the development control plane on loopback: they register, get each other as
 * peers from the policy, handshake and ping over the mesh in the policy's direction only; removing the policy from the control
 * plane's state file removes the peers live (through the signed event stream) and the ping fails.
 * A policy narrowed to tcp/22 is enforced by the nftables backend in each namespace.
 */
@Privileged(tools = {"wireguard-go", "wg", "ip", "ping", "nft"})
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

    /** @param rule the alpha → beta rule's {@code port, protocol}, or null for no policy at all */
    private void writeState(String rule) throws IOException {
        String text = """
                peers:
                  - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.1:51861"}
                  - {id: beta, mesh_ip: 10.100.0.2, endpoint: "192.0.2.2:51862"}
                """ + (rule == null ? "policies: []\n" : """
                policies:
                  - id: alpha-beta
                    rules: [{src: alpha, dst: beta, %s, action: allow}]
                """.formatted(rule));
        Path next = dir.resolve("cp-state.next");
        Files.writeString(next, text);
        Files.move(next, dir.resolve("cp-state.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Daemon start(NetNs ns, String name, String iface, int port, String wireguardGo) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Path token = Files.writeString(home.resolve("token"), TOKEN);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        var config = ConfigLoader.load(null, Map.of(), List.of("control_plane.url=" + plane.url(),
                "control_plane.bootstrap_token_file=" + token, "node.hostname=" + name, "data_dir=" + home.resolve("data"),
                "config_dir=" + home.resolve("etc"), "api.socket=" + home.resolve("api.sock"), "firewall.backend=nftables",
                "services.enabled=false", "wireguard.mode=external", "wireguard.external_binary=" + wireguardGo,
                "wireguard.interface=" + iface, "wireguard.listen_port=" + port, "reconcile.interval=1h",
                "shutdown.timeout=5s")).config();
        Daemon daemon = new Daemon(config, Wiring.builtIn(ns.exec()));
        daemons.add(daemon);
        daemon.start();
        return daemon;
    }

    private static boolean connects(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
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
        writeState("port: 0, protocol: \"\"");
        plane = DevControlPlane.start(new DevControlPlane.Options(dir.resolve("cp-state.yaml"),
                new InetSocketAddress("127.0.0.1", 0), dir.resolve("signing.pem"), TOKEN, null, Duration.ofSeconds(15), 64));
        String wireguardGo = Exec.host().run("sh", "-c", "command -v wireguard-go").orThrow().stdout().strip();
        try (NetNs a = NetNs.create("dm"); NetNs b = NetNs.create("dm")) {
            NetNs.link(a, "pxml" + suffix, List.of("192.0.2.1/24"), b, "pxmr" + suffix, List.of("192.0.2.2/24"));
            Daemon alpha = start(a, "alpha", "pxma" + suffix, 51861, wireguardGo);
            Daemon beta = start(b, "beta", "pxmb" + suffix, 51862, wireguardGo);
            until("both reconciled", () -> alpha.status().status().counts().peersConfigured() == 1
                    && beta.status().status().counts().peersConfigured() == 1);

            until("alpha pings beta over the mesh", () -> pings(a, "10.100.0.2"));
            // The policy is alpha → beta: alpha's firewall lets in only beta's replies.
            assertThat(pings(b, "10.100.0.1")).as("beta may not start a ping to alpha").isFalse();
            until("both event streams connected", () -> plane.streams() == 2);

            // Only tcp/22 from alpha to beta: the peers stay, beta's firewall drops the ping but
            // lets alpha connect to its port 22.
            writeState("port: 22, protocol: tcp");
            until("beta's firewall drops alpha's ping", () -> !pings(a, "10.100.0.2"));
            try (ServerSocket ssh = b.call(() -> new ServerSocket(22, 5, InetAddress.getByName("10.100.0.2")))) {
                assertThat(a.call(() -> connects("10.100.0.2", 22))).as("alpha connects to beta tcp/22").isTrue();
            }
            assertThat(alpha.status().status().counts().peersConfigured()).isEqualTo(1);

            writeState(null);
            until("the policy's removal reaches both nodes", () -> alpha.status().status().counts().peersConfigured() == 0
                    && beta.status().status().counts().peersConfigured() == 0);
            assertThat(a.sh("wg", "show", "pxma" + suffix, "peers").stdout()).isBlank();
            assertThat(pings(a, "10.100.0.2")).as("alpha can no longer reach beta").isFalse();
        }
    }
}
