package dev.plexd.tunnel.tun;

import static dev.plexd.tunnel.route.IpPackets.getIntBE;
import static dev.plexd.tunnel.route.IpPackets.getShortBE;
import static dev.plexd.tunnel.route.IpPackets.putIntBE;
import static dev.plexd.tunnel.route.IpPackets.putShortBE;

/**
 * Splits a TCP super-packet the kernel handed over with TSO ({@link VirtioNetHdr} gso_type
 * TCPV4/TCPV6) into MTU-sized segments, as the NIC would: each gets the headers with its own
 * sequence number, IPv4 ID, lengths and full checksums; FIN and PSH stay on the last one only.
 * Also completes partial checksums ({@code NEEDS_CSUM}) of single packets. Reusable and
 * allocation-free: {@link #begin} then {@link #next} until it returns false.
 */
public final class TcpSegmenter {

    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;

    private byte[] in;
    private int ip;
    private int length;
    private boolean v6;
    private int ipHeaderLength;
    private int headerLength;
    private int gsoSize;
    private int firstSeq;
    private int nextData;
    private int index;
    private int segmentLength;

    /**
     * Starts splitting the super-packet at {@code in[ipOffset, ipOffset+length)}.
     *
     * @return false when the virtio header does not describe a well-formed TCP super-packet
     */
    public boolean begin(byte[] in, int ipOffset, int length, int gsoType, int csumStart, int csumOffset, int gsoSize) {
        int type = gsoType & ~VirtioNetHdr.GSO_ECN;
        if (type != VirtioNetHdr.GSO_TCPV4 && type != VirtioNetHdr.GSO_TCPV6 || length < 1) {
            return false;
        }
        boolean isV6 = type == VirtioNetHdr.GSO_TCPV6;
        int version = (in[ipOffset] & 0xff) >>> 4;
        if (version != (isV6 ? 6 : 4) || csumOffset != 16 || csumStart < (isV6 ? 40 : 20) || gsoSize < 1
                || length <= csumStart + 12) {
            return false;
        }
        // The kernel's hdr_len may cover the whole first packet on the forward path; derive it.
        int tcpHeaderLength = ((in[ipOffset + csumStart + 12] & 0xff) >>> 4) * 4;
        if (tcpHeaderLength < 20 || csumStart + tcpHeaderLength > length) {
            return false;
        }
        this.in = in;
        this.ip = ipOffset;
        this.length = length;
        this.v6 = isV6;
        this.ipHeaderLength = csumStart;
        this.headerLength = csumStart + tcpHeaderLength;
        this.gsoSize = gsoSize;
        this.firstSeq = getIntBE(in, ipOffset + csumStart + 4);
        this.nextData = headerLength;
        this.index = 0;
        return true;
    }

    /** Writes the next segment to {@code out} at {@code outOffset}; false when all were written. */
    public boolean next(byte[] out, int outOffset) {
        if (nextData >= length) {
            return false;
        }
        int end = Math.min(nextData + gsoSize, length);
        int dataLength = end - nextData;
        int total = headerLength + dataLength;
        System.arraycopy(in, ip, out, outOffset, headerLength);
        System.arraycopy(in, ip + nextData, out, outOffset + headerLength, dataLength);
        if (v6) {
            putShortBE(out, outOffset + 4, total - 40);
        } else {
            putShortBE(out, outOffset + 2, total);
            putShortBE(out, outOffset + 4, getShortBE(out, outOffset + 4) + index);
            putShortBE(out, outOffset + 10, 0);
            putShortBE(out, outOffset + 10, Checksum.finish(Checksum.sum(out, outOffset, ipHeaderLength, 0)));
        }
        int tcp = outOffset + ipHeaderLength;
        putIntBE(out, tcp + 4, firstSeq + gsoSize * index);
        if (end != length) {
            out[tcp + 13] &= (byte) ~(TCP_FIN | TCP_PSH);
        }
        int tcpLength = total - ipHeaderLength;
        putShortBE(out, tcp + 16, 0);
        long sum = Checksum.pseudoHeader(out, outOffset, v6, Checksum.PROTO_TCP, tcpLength);
        putShortBE(out, tcp + 16, Checksum.finish(Checksum.sum(out, tcp, tcpLength, sum)));
        segmentLength = total;
        nextData = end;
        index++;
        return true;
    }

    /** The length of the segment {@link #next} just wrote. */
    public int length() {
        return segmentLength;
    }

    /**
     * Completes a partial checksum: the field at {@code csumStart + csumOffset} holds the
     * pseudo-header sum, the rest from {@code csumStart} on must be added.
     *
     * @return false when the offsets lie outside the packet
     */
    public static boolean completeChecksum(byte[] b, int ipOffset, int length, int csumStart, int csumOffset) {
        int at = csumStart + csumOffset;
        if (csumStart >= length || at + 2 > length) {
            return false;
        }
        int initial = getShortBE(b, ipOffset + at);
        putShortBE(b, ipOffset + at, 0);
        putShortBE(b, ipOffset + at, Checksum.finish(Checksum.sum(b, ipOffset + csumStart, length - csumStart, initial)));
        return true;
    }
}
