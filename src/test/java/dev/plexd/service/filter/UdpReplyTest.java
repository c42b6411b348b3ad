package dev.plexd.service.filter;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.ServicesDir;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.flow;
import static dev.plexd.service.filter.Packets.udp;
import static org.assertj.core.api.Assertions.assertThat;

/** UDP replies to flows this node started pass a denying policy, within the timeout and only exactly. */
class UdpReplyTest {

    private static final String HERE = "10.100.0.1";
    private static final String PEER = "10.100.0.2";
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path configDir;

    private long now = 5 * SECOND;
    private final ServiceFilter filter = new ServiceFilter(() -> now);

    @BeforeEach
    void denyAllButSshAndDns() throws Exception {
        filter.install(new ServicesDir(configDir).defaultAction("deny").global("allow tcp 22\nallow udp 53\n").load(),
                PeerDirectory.EMPTY);
        filter.bindSlot(1, ServiceFilterTest.key(1));
        filter.bindSlot(2, ServiceFilterTest.key(2));
    }

    private void send(int slot, byte[] packet) {
        filter.noteOutbound(slot, packet, 0, packet.length);
    }

    private boolean receive(int slot, byte[] packet) {
        return filter.allowInbound(slot, packet, 0, packet.length);
    }

    @Test
    void aReplyPassesWithinTheTimeoutAndIsCountedApart() {
        send(1, udp(HERE, 40_000, PEER, 5353));
        now += 29 * SECOND;
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isTrue();
        assertThat(filter.allowedAsReply(1)).isEqualTo(1);
        assertThat(filter.totalAllowedAsReply()).isEqualTo(1);
        assertThat(filter.allowed(1)).as("allowed counts what the policy allows").isZero();
        assertThat(filter.peerCounters().getFirst().allowedAsReply()).isEqualTo(1);

        now += SECOND;
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).as("30 s after the request").isFalse();
        assertThat(filter.dropped(1, DropReason.POLICY)).isEqualTo(1);
    }

    @Test
    void everyOutboundPacketOfTheFlowExtendsIt() {
        send(1, udp(HERE, 40_000, PEER, 5353));
        now += 20 * SECOND;
        send(1, udp(HERE, 40_000, PEER, 5353));
        now += 25 * SECOND;
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isTrue();
    }

    @Test
    void aFlowSurvivesTheStartOfTheNextBitmapEpochButNotTheOneAfter() {
        long epoch = 1L << UdpFlows.EPOCH_SHIFT;
        now = epoch - SECOND; // the end of epoch 0
        send(1, udp(HERE, 40_000, PEER, 5353));
        // Epoch 1 starts with another flow whose local port shares the bitmap word (ports 40,000 to
        // 40,031): the odd epoch's half is cleared, not the even one holding the first flow.
        now = epoch + 10 * SECOND;
        send(2, udp(HERE, 40_001, PEER, 5353));
        now = epoch + 25 * SECOND;
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isTrue();
        now = epoch + 34 * SECOND; // the first flow has expired; the second has not
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isFalse();
        assertThat(receive(2, udp(PEER, 5353, HERE, 40_001))).isTrue();
        now = 2 * epoch + SECOND; // epoch 2 clears the even half and keeps the odd one
        send(1, udp(HERE, 40_002, PEER, 5353));
        assertThat(receive(2, udp(PEER, 5353, HERE, 40_001))).isTrue();
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_002))).isTrue();
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isFalse();
    }

    @Test
    void onlyTheExactReversedFlowPasses() {
        send(1, udp(HERE, 40_000, PEER, 5353));
        assertThat(receive(1, udp(PEER, 5354, HERE, 40_000))).as("other source port").isFalse();
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_001))).as("other destination port").isFalse();
        assertThat(receive(1, udp("10.100.0.3", 5353, HERE, 40_000))).as("other source address").isFalse();
        assertThat(receive(2, udp(PEER, 5353, HERE, 40_000))).as("other peer").isFalse();
        assertThat(receive(1, udp(HERE, 40_000, PEER, 5353))).as("the request itself, looped back").isFalse();
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isTrue();
        assertThat(filter.dropped(1, DropReason.POLICY) + filter.dropped(2, DropReason.POLICY)).isEqualTo(5);
    }

    @Test
    void tcpIsUnaffected() {
        send(1, flow(TCP, HERE, 40_000, PEER, 5353, 0));
        assertThat(receive(1, flow(TCP, PEER, 5353, HERE, 40_000, 0))).as("a SYN to a denied port").isFalse();
        send(1, udp(HERE, 40_000, PEER, 5353));
        assertThat(receive(1, flow(TCP, PEER, 5353, HERE, 40_000, 0))).as("a UDP flow opens no TCP port").isFalse();
        assertThat(filter.totalAllowedAsReply()).isZero();
    }

    @Test
    void verdictsThePolicyGivesAreUnchanged() {
        send(1, udp(HERE, 53, PEER, 5353));
        assertThat(receive(1, udp(PEER, 5353, HERE, 53))).as("allowed by the policy anyway").isTrue();
        assertThat(filter.allowed(1)).isEqualTo(1);
        assertThat(filter.allowedAsReply(1)).isZero();
    }

    @Test
    void ipv6WithExtensionHeadersEitherWay() {
        send(1, flow(UDP, "fd00::1", 40_000, "fd00::2", 5353, 2));
        assertThat(receive(1, flow(UDP, "fd00::2", 5353, "fd00::1", 40_000, 0))).isTrue();
        assertThat(receive(1, flow(UDP, "fd00::2", 5353, "fd00::1", 40_000, 1))).isTrue();
        assertThat(receive(1, flow(UDP, "fd00::3", 5353, "fd00::1", 40_000, 0))).as("other address").isFalse();
        assertThat(receive(1, flow(UDP, "fd01::2", 5353, "fd00::1", 40_000, 0))).as("other high half").isFalse();
        assertThat(receive(1, udp("0.0.0.0", 5353, HERE, 40_000))).as("IPv4 with a zero address").isFalse();
    }

    @Test
    void packetsAtAnOffsetInALargerArray() {
        byte[] request = udp(HERE, 40_000, PEER, 5353);
        byte[] framed = new byte[request.length + 9];
        System.arraycopy(request, 0, framed, 7, request.length);
        filter.noteOutbound(1, framed, 7, request.length);
        byte[] reply = udp(PEER, 5353, HERE, 40_000);
        byte[] framedReply = new byte[reply.length + 3];
        System.arraycopy(reply, 0, framedReply, 3, reply.length);
        assertThat(filter.allowInbound(1, framedReply, 3, reply.length)).isTrue();
    }

    @Test
    void garbageIsNeitherRecordedNorThrown() {
        for (byte[] bad : new byte[][]{{}, {0x45, 0, 0}, new byte[40], udp(HERE, 40_000, PEER, 5353)}) {
            filter.noteOutbound(1, bad, 0, bad.length + 1);
            filter.noteOutbound(1, bad, -1, bad.length);
            filter.noteOutbound(-1, bad, 0, bad.length);
            filter.noteOutbound(70_000, bad, 0, bad.length);
        }
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).isFalse();
    }

    @Test
    void theTableIsBoundedAndForgetsTheOldestFlows() {
        send(1, udp(HERE, 40_000, PEER, 5353));
        now += SECOND;
        for (int i = 0; i < 4 * UdpFlows.ENTRIES; i++) {
            send(2, udp(HERE, 1024 + i / 1000, PEER, 7000 + i % 1000));
        }
        assertThat(receive(1, udp(PEER, 5353, HERE, 40_000))).as("overwritten by newer flows").isFalse();
        int last = 4 * UdpFlows.ENTRIES - 1;
        assertThat(receive(2, udp(PEER, 7000 + last % 1000, HERE, 1024 + last / 1000))).as("the latest").isTrue();
    }
}
