package dev.plexd.tunnel.interop;

import dev.plexd.testing.LogCapture;
import ch.qos.logback.classic.Level;
import dev.plexd.service.InboundFilter;
import dev.plexd.testing.Privileged;
import dev.plexd.tunnel.device.DeviceStats;
import dev.plexd.tunnel.device.DropReason;
import dev.plexd.tunnel.noise.Messages;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.wireguard.WireGuardKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile datagrams to plexd's UDP port: random bytes, truncated and replayed packets. wireguard-go
 * reaches plexd through a relay in its namespace that records what it forwards, so the test can
 * replay and truncate genuine transport messages.
 */
@Privileged(tools = {"wireguard-go", "wg", "ping"})
class BadInputTest extends PlexdAndWireGuardGo {

    private Relay relay;
    /** The packet and control threads log a warning or error only when something threw: never for input. */
    private LogCapture inboundLog;

    @AfterEach
    void tearDown() throws Exception {
        if (inboundLog != null) {
            inboundLog.close();
        }
        if (relay != null) {
            relay.close(); // before the nodes, which the base class closes after this
        }
    }

    @Test
    void randomTruncatedAndReplayedDatagramsAreCountedAndChangeNothing() throws Exception {
        inboundLog = LogCapture.of("dev.plexd.tunnel.device");
        bed = new Testbed();
        plexd = PlexdNode.start(bed.a, bed.iface('p'), Testbed.UNDERLAY_A, Testbed.MESH_A, Clock.system(), InboundFilter.ALLOW_ALL);
        wgGo = WireGuardGoNode.start(bed.b, bed.iface('w'), Testbed.UNDERLAY_B, Testbed.MESH_B, 51820);
        InetSocketAddress plexdAddress = new InetSocketAddress(Testbed.UNDERLAY_A, plexd.listenPort());
        relay = wgGo.ns().call(() -> new Relay(plexdAddress, new InetSocketAddress(Testbed.UNDERLAY_B, 51820)));
        plexd.wg("set", plexd.iface(), "peer", WireGuardKeys.encode(wgGo.publicKey()), "allowed-ips", Testbed.MESH_B + "/32");
        wgGo.wg("set", wgGo.iface(), "peer", WireGuardKeys.encode(plexd.publicKey()),
                "endpoint", Testbed.UNDERLAY_B + ":" + relay.port(), "allowed-ips", Testbed.MESH_A + "/32");
        assertThat(InteropTest.ping(wgGo, plexd)).isTrue();
        DeviceStats stats = plexd.device().stats();
        long handshakes = stats.handshakes();
        long rxPackets = plexd.device().peers().getFirst().rxPackets();
        List<byte[]> transport = relay.transportMessages();
        assertThat(transport).isNotEmpty();
        List<byte[]> initiations = relay.initiations();
        assertThat(initiations).isNotEmpty();

        Random random = new Random(7);
        List<byte[]> hostile = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[random.nextInt(1500)];
            random.nextBytes(junk);
            hostile.add(junk);
        }
        for (int type = 1; type <= 4; type++) {
            for (int size : new int[]{0, 4, 16, 32, 64, 92, 148, 200}) {
                byte[] typed = new byte[Math.max(4, size)];
                random.nextBytes(typed);
                typed[0] = (byte) type;
                typed[1] = typed[2] = typed[3] = 0;
                hostile.add(typed);
            }
        }
        for (byte[] genuine : transport) {
            hostile.add(Arrays.copyOf(genuine, 16));
            hostile.add(Arrays.copyOf(genuine, genuine.length - 1));
            hostile.add(genuine); // replay
            hostile.add(genuine);
        }
        // plexd's threads count the drops: wait until they did, not for a fixed time. The inbound
        // thread hands cookie-reply-sized datagrams on to the control thread, which refuses them.
        long cookieSized = hostile.stream().filter(d -> d.length == Messages.COOKIE_REPLY_SIZE
                && d[0] == Messages.TYPE_COOKIE_REPLY && d[1] == 0 && d[2] == 0 && d[3] == 0).count();
        long rejectedBefore = stats.drops(DropReason.HANDSHAKE_REJECTED);
        relay.sendToPlexd(hostile);
        until("the hostile datagrams counted", () -> stats.drops(DropReason.REPLAY) >= 2L * transport.size()
                && stats.drops(DropReason.HANDSHAKE_REJECTED) - rejectedBefore >= cookieSized);
        long rejected = stats.drops(DropReason.HANDSHAKE_REJECTED);
        relay.sendToPlexd(initiations); // genuine but replayed: the timestamp is not newer
        until("the replayed initiations refused",
                () -> stats.drops(DropReason.HANDSHAKE_REJECTED) - rejected >= initiations.size());

        assertThat(stats.drops(DropReason.MALFORMED)).as("wrong type or size").isPositive();
        assertThat(stats.drops(DropReason.BAD_MAC)).as("handshake mac1 or transport tag wrong").isPositive();
        assertThat(stats.drops(DropReason.NO_SESSION)).as("unknown receiver index").isPositive();
        assertThat(stats.drops(DropReason.REPLAY)).as("replayed counters").isGreaterThanOrEqualTo(2L * transport.size());
        assertThat(stats.drops(DropReason.HANDSHAKE_REJECTED) - rejected).as("replayed initiation")
                .isEqualTo(initiations.size());
        assertThat(stats.handshakes()).as("no state change").isEqualTo(handshakes);
        assertThat(plexd.device().peers().getFirst().rxPackets()).as("nothing accepted").isEqualTo(rxPackets);
        assertThat(plexd.device().isRunning()).isTrue();
        assertThat(inboundLog.events()).as("no exception in the data plane's threads")
                .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(InteropTest.ping(wgGo, plexd)).as("the tunnel still works").isTrue();
        assertThat(InteropTest.ping(plexd, wgGo)).isTrue();
    }

    /** Forwards between wireguard-go and plexd, keeping a copy of wireguard-go's transport messages. */
    private static final class Relay implements AutoCloseable {
        private final DatagramSocket socket;
        private final InetSocketAddress plexd;
        private final InetSocketAddress wgGo;
        private final List<byte[]> transport = new ArrayList<>();
        private final List<byte[]> initiations = new ArrayList<>();
        private final Thread thread;

        Relay(InetSocketAddress plexd, InetSocketAddress wgGo) throws SocketException {
            this.socket = new DatagramSocket(new InetSocketAddress(wgGo.getAddress(), 0));
            this.plexd = plexd;
            this.wgGo = wgGo;
            this.thread = Thread.ofPlatform().daemon(true).start(this::run);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void run() {
            byte[] buffer = new byte[65536];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                while (true) {
                    packet.setLength(buffer.length);
                    socket.receive(packet);
                    boolean fromWgGo = packet.getPort() == wgGo.getPort();
                    if (fromWgGo && (buffer[0] == 4 && packet.getLength() > 32 || buffer[0] == 1)) {
                        synchronized (transport) {
                            (buffer[0] == 1 ? initiations : transport).add(Arrays.copyOf(buffer, packet.getLength()));
                        }
                    }
                    socket.send(new DatagramPacket(buffer, packet.getLength(), fromWgGo ? plexd : wgGo));
                }
            } catch (Exception e) {
                // closed
            }
        }

        List<byte[]> initiations() {
            synchronized (transport) {
                return List.copyOf(initiations);
            }
        }

        List<byte[]> transportMessages() {
            synchronized (transport) {
                return List.copyOf(transport);
            }
        }

        void sendToPlexd(List<byte[]> datagrams) throws Exception {
            for (byte[] d : datagrams) {
                socket.send(new DatagramPacket(d, d.length, plexd));
            }
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(2000);
        }
    }
}
