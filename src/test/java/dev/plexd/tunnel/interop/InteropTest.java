package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.device.DeviceStats;
import dev.plexd.tunnel.device.DropReason;
import dev.plexd.wireguard.X25519;
import dev.plexd.tunnel.noise.CookieGenerator;
import dev.plexd.tunnel.noise.Handshake;
import dev.plexd.tunnel.noise.Messages;
import dev.plexd.tunnel.noise.StaticIdentity;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.tunnel.timers.Timing;
import dev.plexd.wireguard.WireGuardKeys;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/** plexd's data plane against wireguard-go, the reference implementation, over a veth pair. */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class InteropTest extends PlexdAndWireGuardGo {

    private void setUp(Clock clock) throws Exception {
        bed = new Testbed();
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, clock, InboundFilter.ALLOW_ALL);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        plexd.addPeer(wgGo);
        wgGo.addPeer(plexd);
    }

    static boolean ping(Node from, Node to) throws Exception {
        return from.ns().exec().run("ping", "-c", "3", "-i", "0.2", "-W", "2", to.meshIp()).ok();
    }

    @Test
    void plexdInitiatesAndPings() throws Exception {
        setUp(Clock.system());
        assertThat(ping(plexd, wgGo)).isTrue();
        DeviceStats stats = plexd.device().stats();
        assertThat(stats.handshakes()).isEqualTo(1);
        assertThat(stats.initiationsSent()).isEqualTo(1);
        assertThat(wgGo.wg("show", wgGo.iface(), "latest-handshakes")).doesNotContain("\t0\n");
        assertThat(stats.drops().dropsByReason()).doesNotContainKeys(DropReason.BAD_MAC, DropReason.REPLAY);
    }

    @Test
    void wireguardGoInitiatesAndPings() throws Exception {
        setUp(Clock.system());
        assertThat(ping(wgGo, plexd)).isTrue();
        DeviceStats stats = plexd.device().stats();
        assertThat(stats.initiationsReceived()).isEqualTo(1);
        assertThat(stats.initiationsSent()).isZero();
        assertThat(stats.handshakes()).isEqualTo(1);
        assertThat(ping(plexd, wgGo)).isTrue();
    }

    @Test
    void wgShowsPlexdAndPeerIsRemovedAndReAddedThroughTheSocket() throws Exception {
        setUp(Clock.system());
        assertThat(ping(plexd, wgGo)).isTrue();
        String peerKey = WireGuardKeys.encode(wgGo.publicKey());
        String dump = plexd.wg("show", plexd.iface(), "dump");
        assertThat(dump).contains(peerKey + "\t(none)\t" + Testbed.UNDERLAY_B + ":51820\t" + Testbed.MESH_B + "/32\t");
        assertThat(plexd.wg("show", plexd.iface(), "latest-handshakes")).doesNotContain("\t0\n");
        assertThat(plexd.wg("show", plexd.iface(), "public-key").strip()).isEqualTo(WireGuardKeys.encode(plexd.publicKey()));

        plexd.wg("set", plexd.iface(), "peer", peerKey, "remove");
        assertThat(plexd.wg("show", plexd.iface(), "peers")).isBlank();
        assertThat(plexd.device().peers()).isEmpty();
        assertThat(plexd.tunnel().slotOf(wgGo.publicKey())).isEmpty();
        assertThat(plexd.ns().exec().run("ping", "-c", "1", "-W", "1", wgGo.meshIp()).ok()).isFalse();

        plexd.addPeer(wgGo);
        assertThat(plexd.tunnel().slotOf(wgGo.publicKey())).isPresent();
        assertThat(ping(plexd, wgGo)).isTrue();
        assertThat(plexd.device().stats().handshakes()).isEqualTo(2);
    }

    @Test
    void tcpTransfersOf100MegabytesArriveIntactInBothDirections() throws Exception {
        setUp(Clock.system());
        transfer(plexd, wgGo, 5001);
        transfer(wgGo, plexd, 5002); // plexd receives: decrypt, checks, coalescing into the TUN
        assertThat(plexd.device().stats().drops().dropsByReason())
                .doesNotContainKeys(DropReason.BAD_MAC, DropReason.REPLAY, DropReason.MALFORMED, DropReason.ALLOWED_IPS);
    }

    /** Sends 100 MB of pseudo-random bytes over TCP through the tunnel; SHA-256 on both ends must agree. */
    private static void transfer(Node from, Node to, int port) throws Exception {
        long size = 100L * 1024 * 1024;
        ServerSocket server = to.ns().call(() -> new ServerSocket(port, 1, InetAddress.getByName(to.meshIp())));
        try (server) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[1 << 16];
                    long total = 0;
                    for (int n; (n = in.read(buf)) > 0; total += n) {
                        sha.update(buf, 0, n);
                    }
                    return total + ":" + HexFormat.of().formatHex(sha.digest());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Socket client = from.ns().call(() -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(to.meshIp(), port), 5000);
                return s;
            });
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (client; OutputStream out = client.getOutputStream()) {
                Random random = new Random(port);
                byte[] chunk = new byte[1 << 16];
                for (long sent = 0; sent < size; sent += chunk.length) {
                    random.nextBytes(chunk);
                    sha.update(chunk);
                    out.write(chunk);
                }
            }
            assertThat(received.get(120, TimeUnit.SECONDS)).isEqualTo(size + ":" + HexFormat.of().formatHex(sha.digest()));
        }
    }

    @Test
    void rekeysAfterRekeyAfterTimeOnAnAcceleratedClock() throws Exception {
        OffsetClock clock = new OffsetClock();
        setUp(clock);
        assertThat(ping(plexd, wgGo)).isTrue();
        assertThat(plexd.device().stats().handshakes()).isEqualTo(1);

        clock.advance(Duration.ofNanos(Timing.REKEY_AFTER_TIME).plusSeconds(1));
        assertThat(ping(plexd, wgGo)).isTrue();
        assertThat(plexd.device().stats().initiationsSent()).isEqualTo(2);
        assertThat(plexd.device().stats().handshakes()).isEqualTo(2);
        assertThat(ping(wgGo, plexd)).isTrue();
    }

    @Test
    void followsAPeerThatRoamsToANewEndpoint() throws Exception {
        setUp(Clock.system());
        assertThat(ping(plexd, wgGo)).isTrue();
        // wireguard-go rebinds: its packets now come from another port, as behind a NAT that remapped.
        wgGo.wg("set", wgGo.iface(), "listen-port", "51821");

        assertThat(ping(wgGo, plexd)).as("wireguard-go now sends from port 51821").isTrue();
        assertThat(plexd.wg("show", plexd.iface(), "endpoints")).contains(Testbed.UNDERLAY_B + ":51821");
        assertThat(ping(plexd, wgGo)).as("plexd answers at the new endpoint").isTrue();
    }

    @Test
    void cryptokeyRoutingDropsAnInnerSourceOutsideTheSendersAllowedIps() throws Exception {
        setUp(Clock.system());
        assertThat(ping(plexd, wgGo)).isTrue();
        // wireguard-go sends from an address plexd did not assign to it.
        wgGo.ns().sh("ip", "addr", "add", "10.100.0.3/24", "dev", wgGo.iface());
        assertThat(wgGo.ns().exec().run("ping", "-c", "2", "-i", "0.2", "-W", "1", "-I", "10.100.0.3", plexd.meshIp()).ok())
                .isFalse();
        assertThat(plexd.device().stats().drops(DropReason.ALLOWED_IPS)).isGreaterThanOrEqualTo(2);
        assertThat(ping(wgGo, plexd)).as("its own address still passes").isTrue();
    }

    @Test
    void carriesIpv6InsideTheTunnel() throws Exception {
        setUp(Clock.system());
        plexd.ns().sh("ip", "addr", "add", "fd00:d9::1/64", "dev", plexd.iface(), "nodad");
        wgGo.ns().sh("ip", "addr", "add", "fd00:d9::2/64", "dev", wgGo.iface(), "nodad");
        plexd.wg("set", plexd.iface(), "peer", WireGuardKeys.encode(wgGo.publicKey()),
                "allowed-ips", Testbed.MESH_B + "/32,fd00:d9::2/128");
        wgGo.wg("set", wgGo.iface(), "peer", WireGuardKeys.encode(plexd.publicKey()),
                "allowed-ips", Testbed.MESH_A + "/32,fd00:d9::1/128");
        assertThat(plexd.ns().exec().run("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd00:d9::2").ok()).isTrue();
        assertThat(wgGo.ns().exec().run("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd00:d9::1").ok()).isTrue();
        assertThat(plexd.wg("show", plexd.iface(), "allowed-ips")).contains("fd00:d9::2/128");
    }

    @Test
    void aHandshakeFloodIsAnsweredWithCookieRepliesAndTheRealPeerStillConnects() throws Exception {
        setUp(Clock.system());
        StaticIdentity stranger = StaticIdentity.of(X25519.generatePrivateKey());
        byte[] initiation = new Handshake(stranger, plexd.publicKey()).createInitiation(stranger, 1, Instant.now());
        new CookieGenerator(plexd.publicKey()).addMacs(initiation, Messages.INITIATION_MAC1, System.nanoTime());
        InetSocketAddress target = new InetSocketAddress(Testbed.UNDERLAY_A, plexd.listenPort());

        int cookieReplies = wgGo.ns().call(() -> {
            try (DatagramSocket socket = new DatagramSocket()) {
                for (int i = 0; i < 3000; i++) { // mac1 is valid: each costs plexd's control thread a DH
                    socket.send(new DatagramPacket(initiation, initiation.length, target));
                }
                socket.setSoTimeout(500);
                int replies = 0;
                byte[] buffer = new byte[256];
                try {
                    while (true) {
                        DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                        socket.receive(reply);
                        if (buffer[0] == Messages.TYPE_COOKIE_REPLY && reply.getLength() == Messages.COOKIE_REPLY_SIZE) {
                            replies++;
                        }
                    }
                } catch (SocketTimeoutException done) {
                    return replies;
                }
            }
        });

        DeviceStats stats = plexd.device().stats();
        assertThat(cookieReplies).as("under load, initiations without mac2 get a cookie reply").isPositive();
        assertThat(stats.cookieRepliesSent()).isGreaterThanOrEqualTo(cookieReplies);
        assertThat(stats.drops(DropReason.UNDER_LOAD)).isPositive();
        assertThat(stats.handshakes()).isZero();
        // wireguard-go may be answered with a cookie too; its retry (Rekey-Timeout later) carries mac2.
        assertThat(wgGo.ns().exec().run("ping", "-c", "1", "-W", "12", plexd.meshIp()).ok())
                .as("the configured peer still gets through").isTrue();
        assertThat(stats.handshakes()).isEqualTo(1);
    }

    @Test
    void persistentKeepaliveSetThroughWgHandshakesAndKeepsTheLinkWarmWithoutTraffic() throws Exception {
        setUp(Clock.system());
        plexd.wg("set", plexd.iface(), "peer", WireGuardKeys.encode(wgGo.publicKey()), "persistent-keepalive", "1");
        assertThat(plexd.wg("show", plexd.iface(), "persistent-keepalive")).contains("\t1\n");
        // The first keepalive needs a session: wait for the handshake it brings, not a fixed time.
        until("the first keepalive's handshake", () -> plexd.device().stats().handshakes() > 0);
        assertThat(plexd.device().stats().handshakes()).as("one handshake, for the first keepalive").isEqualTo(1);
        long sent = plexd.device().peers().getFirst().txPackets();
        Thread.sleep(2500);
        assertThat(plexd.device().peers().getFirst().txPackets()).as("a keepalive every second").isGreaterThanOrEqualTo(sent + 2);
    }
}
