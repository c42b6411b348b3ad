package dev.plexd.wireguard;

import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import dev.plexd.testing.WireGuardGo;
import dev.plexd.wireguard.WireGuardFixtures.KeyPair;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.IpLiterals;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerStatus;
import dev.plexd.wireguard.uapi.UapiErrnoException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import static dev.plexd.testing.Await.until;
import static dev.plexd.wireguard.WireGuardFixtures.dump;
import static dev.plexd.wireguard.WireGuardFixtures.pingSucceeds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two namespaces joined by a veth (192.0.2.0/24), a wireguard-go interface in each. plexd's
 * {@link UapiController} configures side A; side B is plain wireguard-go configured with
 * {@code wg}. The tunnel carries the mesh 10.100.0.0/16.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class UapiControllerTunnelTest {

    private NetNs a;
    private NetNs b;
    private String ifA;
    private String ifB;
    private KeyPair keysA;
    private KeyPair keysB;
    private byte[] psk;
    private Process wireguardGoB;
    private UapiController controller;
    private PeerConfig peerB;

    @BeforeEach
    void setUp() throws Exception {
        String suffix = WireGuardFixtures.uniqueSuffix();
        ifA = "pxwa" + suffix;
        ifB = "pxwb" + suffix;
        a = NetNs.create("wg");
        b = NetNs.create("wg");
        NetNs.link(a, "pxwva" + suffix, List.of("192.0.2.1/24"), b, "pxwvb" + suffix, List.of("192.0.2.2/24"));
        keysA = WireGuardFixtures.keyPair();
        keysB = WireGuardFixtures.keyPair();
        psk = WireGuardFixtures.presharedKey();

        wireguardGoB = WireGuardGo.start(b, ifB);
        b.exec().runWithInput(keysB.privateBase64() + "\n", "wg", "set", ifB, "private-key", "/dev/stdin", "listen-port", "51821").orThrow();
        b.exec().runWithInput(WireGuardKeys.encode(psk) + "\n", "wg", "set", ifB, "peer", keysA.publicBase64(),
                "preshared-key", "/dev/stdin", "allowed-ips", "10.100.0.1/32").orThrow();
        b.sh("ip", "address", "add", "10.100.0.2/16", "dev", ifB);
        b.sh("ip", "link", "set", ifB, "up");

        controller = new UapiController(a.exec(), UapiController.Settings.defaults()
                .withRestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(2)));
        peerB = new PeerConfig(keysB.publicKey(), "192.0.2.2:51821", List.of("10.100.0.2/32"), psk, 25);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (controller != null) {
                controller.close();
            }
            WireGuardGo.stop(wireguardGoB, ifB);
        } finally {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
        }
    }

    private void configureSideA() throws Exception {
        controller.createInterface(ifA, keysA.privateKey(), 51820);
        controller.configureAddress(ifA, "10.100.0.1/16");
        controller.setMtu(ifA, 1380);
        controller.setUp(ifA);
        controller.addPeer(ifA, peerB);
    }

    /** {@code wg show dump} on A: exactly the device and peer plexd configured (stats aside). */
    private void assertWgShowsTheConfiguration() throws Exception {
        List<String> lines = dump(a, ifA).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo(String.join("\t", keysA.privateBase64(), keysA.publicBase64(), "51820", "off"));
        String[] peer = lines.get(1).split("\t");
        assertThat(peer).hasSize(8);
        assertThat(List.of(peer[0], peer[1], peer[2], peer[3], peer[7]))
                .containsExactly(keysB.publicBase64(), WireGuardKeys.encode(psk), "192.0.2.2:51821", "10.100.0.2/32", "25");
    }

    @Test
    void configuresAPeerThatWgReportsAndThatCarriesTrafficUntilRemoved() throws Exception {
        configureSideA();
        assertThat(controller.processId(ifA)).isPresent();
        assertWgShowsTheConfiguration();
        assertThat(a.sh("ip", "-o", "address", "show", "dev", ifA).stdout()).contains("inet 10.100.0.1/16");
        assertThat(a.sh("ip", "-o", "link", "show", "dev", ifA).stdout()).contains("mtu 1380").contains("UP");

        assertThat(pingSucceeds(a, "10.100.0.2")).as("ping A -> B through the tunnel").isTrue();
        assertThat(b.exec().run("ping", "-c1", "-W2", "10.100.0.1").ok()).as("ping B -> A").isTrue();

        // The device status the daemon exposes, read over UAPI, agrees with wg and shows the traffic.
        DeviceStatus status = controller.deviceStatus(ifA);
        assertThat(status.privateKey()).isEqualTo(keysA.privateKey());
        assertThat(status.listenPort()).isEqualTo(51820);
        PeerStatus peer = status.peer(keysB.publicKey()).orElseThrow();
        assertThat(peer.presharedKey()).isEqualTo(psk);
        assertThat(IpLiterals.formatEndpoint(peer.endpoint())).isEqualTo("192.0.2.2:51821");
        assertThat(peer.allowedIps()).extracting(IpPrefix::toString).containsExactly("10.100.0.2/32");
        assertThat(peer.persistentKeepaliveInterval()).isEqualTo(25);
        assertThat(peer.lastHandshake()).isNotNull();
        assertThat(peer.rxBytes()).isPositive();
        assertThat(peer.txBytes()).isPositive();
        assertThat(WgDump.parse(ifA, dump(a, ifA)).peers().getFirst().allowedIps()).isEqualTo(peer.allowedIps());

        // Upserting changes the peer in place: no duplicate, new keepalive, extra allowed IP.
        controller.addPeer(ifA, new PeerConfig(keysB.publicKey(), "192.0.2.2:51821", List.of("10.100.0.2/32", "fd00:100::2/128"), psk, 0));
        PeerStatus updated = controller.deviceStatus(ifA).peers().getFirst();
        assertThat(controller.deviceStatus(ifA).peers()).hasSize(1);
        assertThat(updated.allowedIps()).extracting(IpPrefix::toString).containsExactly("10.100.0.2/32", "fd00:100::2/128");
        assertThat(updated.persistentKeepaliveInterval()).isZero();

        controller.removePeer(ifA, keysB.publicKey());
        assertThat(dump(a, ifA).lines().toList()).as("wg show lists no peer").hasSize(1);
        assertThat(controller.deviceStatus(ifA).peers()).isEmpty();
        assertThat(a.exec().run("ping", "-c2", "-W1", "10.100.0.2").ok()).as("no tunnel without the peer").isFalse();
    }

    @Test
    void restartsAKilledImplementationAndRestoresItsConfiguration() throws Exception {
        configureSideA();
        assertThat(pingSucceeds(a, "10.100.0.2")).isTrue();
        long firstPid = controller.processId(ifA).orElseThrow();

        ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();

        until("a new wireguard-go for " + ifA + " (not pid " + firstPid + ") with its address back", Duration.ofSeconds(15),
                () -> restartedWithItsAddress(firstPid));
        assertWgShowsTheConfiguration();
        assertThat(a.sh("ip", "-o", "link", "show", "dev", ifA).stdout()).contains("mtu 1380").contains("UP");
        assertThat(pingSucceeds(a, "10.100.0.2")).as("ping through the restarted implementation").isTrue();
    }

    /** Whether a process other than {@code firstPid} runs A's interface and it has its address again; unchecked for polling. */
    private boolean restartedWithItsAddress(long firstPid) {
        OptionalLong pid = controller.processId(ifA);
        try {
            return pid.isPresent() && pid.getAsLong() != firstPid
                    && a.exec().run("ip", "-o", "address", "show", "dev", ifA).stdout().contains("10.100.0.1/16");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void replacesAnImplementationLeftOverFromAnEarlierRun() throws Exception {
        Process leftover = WireGuardGo.start(a, ifA);
        try {
            configureSideA();
            assertThat(leftover.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).as("the leftover shut down").isTrue();
            assertThat(controller.processId(ifA).orElseThrow()).isNotEqualTo(leftover.pid());
            assertWgShowsTheConfiguration();
            assertThat(pingSucceeds(a, "10.100.0.2")).isTrue();
        } finally {
            leftover.destroyForcibly();
        }
    }

    @Test
    void aPortInUseIsAClearErrorAndLeavesNothingBehind() throws Exception {
        try (DatagramSocket taken = a.call(() -> new DatagramSocket(51820))) {
            assertThatThrownBy(() -> controller.createInterface(ifA, keysA.privateKey(), 51820))
                    .isInstanceOf(UapiErrnoException.class)
                    .satisfies(e -> assertThat(((UapiErrnoException) e).errno()).isEqualTo(98))
                    .hasMessage("wireguard: " + ifA + ": set private key, listen port 51820, replace all peers: "
                            + "rejected with UAPI errno=-98 (EADDRINUSE)");
            assertThat(taken.getLocalPort()).isEqualTo(51820);
        }
        assertThat(controller.processId(ifA)).isEmpty();
        assertThat(a.exec().run("ip", "link", "show", "dev", ifA).ok()).as("the implementation was stopped").isFalse();
        assertThat(WireGuardFixtures.SOCKETS.resolve(ifA + ".sock")).doesNotExist();
    }

    @Test
    void deletingTheInterfaceStopsTheImplementationAndLeavesNothingBehind() throws Exception {
        configureSideA();
        long pid = controller.processId(ifA).orElseThrow();
        controller.deleteInterface(ifA);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(controller.processId(ifA)).isEmpty();
        assertThat(a.exec().run("ip", "link", "show", "dev", ifA).ok()).isFalse();
        assertThat(WireGuardFixtures.SOCKETS.resolve(ifA + ".sock")).doesNotExist();
        controller.deleteInterface(ifA); // idempotent
    }
}
