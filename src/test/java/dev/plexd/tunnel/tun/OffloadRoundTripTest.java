package dev.plexd.tunnel.tun;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.plexd.tunnel.route.IpPackets.getIntBE;
import static dev.plexd.tunnel.route.IpPackets.getShortBE;
import static dev.plexd.tunnel.route.IpPackets.putIntBE;
import static dev.plexd.tunnel.route.IpPackets.putShortBE;
import static org.assertj.core.api.Assertions.assertThat;

/** TSO segmentation (outbound) and GRO coalescing (inbound) undo each other and keep checksums right. */
class OffloadRoundTripTest {

    private static final int OFF = VirtioNetHdr.SIZE;
    private static final int MSS = 1000;

    /** An IPv4 TCP super-packet as the kernel hands it over with TSO: pseudo-header sum in the TCP checksum. */
    private static byte[] superPacket(int payload, int flags) {
        byte[] b = new byte[OFF + 40 + payload];
        b[OFF] = 0x45;
        putShortBE(b, OFF + 2, 40 + payload);
        putShortBE(b, OFF + 4, 0x1234);
        putShortBE(b, OFF + 6, 0x4000); // DF
        b[OFF + 8] = 64;
        b[OFF + 9] = (byte) Checksum.PROTO_TCP;
        b[OFF + 12] = 10; b[OFF + 15] = 1;       // 10.0.0.1
        b[OFF + 16] = 10; b[OFF + 19] = 2;       // 10.0.0.2
        int tcp = OFF + 20;
        putShortBE(b, tcp, 40000);
        putShortBE(b, tcp + 2, 5201);
        putIntBE(b, tcp + 4, 0x10000000);
        putIntBE(b, tcp + 8, 777);
        b[tcp + 12] = 0x50;
        b[tcp + 13] = (byte) flags;
        putShortBE(b, tcp + 14, 512);
        byte[] data = new byte[payload];
        new Random(payload).nextBytes(data);
        System.arraycopy(data, 0, b, OFF + 40, payload);
        return b;
    }

    private static List<byte[]> segment(byte[] sp) {
        TcpSegmenter segmenter = new TcpSegmenter();
        assertThat(segmenter.begin(sp, OFF, sp.length - OFF, VirtioNetHdr.GSO_TCPV4, 20, 16, MSS)).isTrue();
        List<byte[]> out = new ArrayList<>();
        byte[] seg = new byte[OFF + 2000];
        while (segmenter.next(seg, OFF)) {
            out.add(Arrays.copyOf(seg, OFF + segmenter.length()));
        }
        return out;
    }

    private static boolean checksumsValid(byte[] b) {
        int length = getShortBE(b, OFF + 2);
        boolean ip = Checksum.fold(Checksum.sum(b, OFF, 20, 0)) == 0xffff;
        long pseudo = Checksum.pseudoHeader(b, OFF, false, Checksum.PROTO_TCP, length - 20);
        return ip && Checksum.fold(Checksum.sum(b, OFF + 20, length - 20, pseudo)) == 0xffff;
    }

    @Test
    void segmentsAreMssSizedWithOwnSequenceNumbersAndValidChecksums() {
        byte[] sp = superPacket(3500, 0x18); // ACK|PSH
        List<byte[]> segments = segment(sp);
        assertThat(segments).hasSize(4);
        for (int i = 0; i < segments.size(); i++) {
            byte[] s = segments.get(i);
            assertThat(checksumsValid(s)).as("segment %d checksums", i).isTrue();
            assertThat(getIntBE(s, OFF + 24)).isEqualTo(0x10000000 + i * MSS);
            assertThat(getShortBE(s, OFF + 4)).as("IPv4 ID increments").isEqualTo(0x1234 + i);
            assertThat(s[OFF + 33] & 0x08).as("PSH only on the last").isEqualTo(i == 3 ? 0x08 : 0);
        }
        assertThat(getShortBE(segments.get(3), OFF + 2)).isEqualTo(40 + 500);
    }

    @Test
    void coalescingTheSegmentsRebuildsTheSuperPacket() {
        byte[] sp = superPacket(3500, 0x18);
        List<byte[]> segments = segment(sp);
        byte[] held = new byte[OFF + 65535];
        TcpCoalescer coalescer = new TcpCoalescer();
        byte[] first = segments.getFirst();
        assertThat(TcpCoalescer.isCandidate(first, first.length - OFF)).isTrue();
        System.arraycopy(first, 0, held, 0, first.length);
        coalescer.hold(held, first.length - OFF);
        for (byte[] s : segments.subList(1, segments.size())) {
            assertThat(coalescer.append(s, s.length - OFF)).isTrue();
        }
        int written = coalescer.finish();
        assertThat(written).isEqualTo(sp.length);
        assertThat(Arrays.copyOfRange(held, OFF + 40, written)).as("payload").isEqualTo(Arrays.copyOfRange(sp, OFF + 40, sp.length));
        assertThat(VirtioNetHdr.gsoType(held, 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.gsoSize(held, 0)).isEqualTo(MSS);
        assertThat(VirtioNetHdr.flags(held, 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(getShortBE(held, OFF + 2)).isEqualTo(40 + 3500);
        assertThat(Checksum.fold(Checksum.sum(held, OFF, 20, 0))).as("IPv4 header checksum").isEqualTo(0xffff);
    }

    @Test
    void aCorruptedOrOutOfOrderSegmentIsNotMerged() {
        List<byte[]> segments = segment(superPacket(3000, 0x10));
        byte[] held = new byte[OFF + 65535];
        TcpCoalescer coalescer = new TcpCoalescer();
        System.arraycopy(segments.getFirst(), 0, held, 0, segments.getFirst().length);
        coalescer.hold(held, segments.getFirst().length - OFF);
        byte[] third = segments.get(2);
        assertThat(coalescer.append(third, third.length - OFF)).as("a gap in sequence numbers").isFalse();
        byte[] second = segments.get(1).clone();
        second[second.length - 1] ^= 1;
        assertThat(coalescer.append(second, second.length - OFF)).as("a bad checksum").isFalse();
        assertThat(coalescer.finish()).as("the held packet goes out alone").isEqualTo(segments.getFirst().length);
        assertThat(VirtioNetHdr.gsoType(held, 0)).isEqualTo(VirtioNetHdr.GSO_NONE);
    }
}
