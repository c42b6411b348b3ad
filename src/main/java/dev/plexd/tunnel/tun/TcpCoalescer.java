package dev.plexd.tunnel.tun;

import static dev.plexd.tunnel.route.IpPackets.getIntBE;
import static dev.plexd.tunnel.route.IpPackets.getShortBE;
import static dev.plexd.tunnel.route.IpPackets.putShortBE;

/**
 * Receive-side coalescing (GRO) for the TUN: consecutive in-order segments of one TCP flow are
 * merged into one super-packet written with a {@link VirtioNetHdr} (gso TCPV4/TCPV6, partial
 * checksum), so the kernel runs its TCP receive path once for many segments. The rules follow
 * the kernel's GRO (and wireguard-go's): same addresses, ports, ACK, TCP options and IP header
 * fields; only ACK or ACK|PSH; contiguous sequence numbers; equal-size segments with a shorter
 * one, or a PSH, only at the end; checksums verified before merging; at most 64 KiB.
 *
 * <p>It holds at most one packet, in a buffer the caller owns, at {@link VirtioNetHdr#SIZE}.
 * Not thread-safe; allocation-free.
 */
public final class TcpCoalescer {

    /** Packets start here in held buffers: the virtio header goes in front. */
    public static final int OFFSET = VirtioNetHdr.SIZE;
    private static final int MAX_IP_LENGTH = 65535;
    private static final int TCP_ACK = 0x10;
    private static final int TCP_PSH = 0x08;

    private byte[] held;
    private int heldLength;
    private boolean v6;
    private int ipHeaderLength;
    private int tcpHeaderLength;
    private int gsoSize;
    private int merged;
    private int nextSeq;
    private boolean pshSet;
    private boolean lastShort;

    /** True while a packet is held. */
    public boolean holding() {
        return heldLength > 0;
    }

    /**
     * True when the packet at {@code b[OFFSET, OFFSET+length)} could start a super-packet: IPv4
     * without options or IPv6 without extension headers, unfragmented TCP with ACK (and maybe PSH)
     * only and a non-empty payload.
     */
    public static boolean isCandidate(byte[] b, int length) {
        if (length < 40) {
            return false;
        }
        int version = (b[OFFSET] & 0xff) >>> 4;
        int ipHeader;
        if (version == 4) {
            if ((b[OFFSET] & 0x0f) != 5 || b[OFFSET + 9] != Checksum.PROTO_TCP || getShortBE(b, OFFSET + 2) != length
                    || (getShortBE(b, OFFSET + 6) & 0x3fff) != 0) {
                return false;
            }
            ipHeader = 20;
        } else if (version == 6) {
            if (length < 60 || b[OFFSET + 6] != Checksum.PROTO_TCP || getShortBE(b, OFFSET + 4) != length - 40) {
                return false;
            }
            ipHeader = 40;
        } else {
            return false;
        }
        int tcpHeader = ((b[OFFSET + ipHeader + 12] & 0xff) >>> 4) * 4;
        int flags = b[OFFSET + ipHeader + 13] & 0xff;
        return tcpHeader >= 20 && ipHeader + tcpHeader < length && (flags == TCP_ACK || flags == (TCP_ACK | TCP_PSH));
    }

    /** Starts holding the candidate packet in {@code buffer} (see {@link #isCandidate}). */
    public void hold(byte[] buffer, int length) {
        held = buffer;
        heldLength = length;
        v6 = (buffer[OFFSET] & 0xff) >>> 4 == 6;
        ipHeaderLength = v6 ? 40 : 20;
        int tcp = OFFSET + ipHeaderLength;
        tcpHeaderLength = ((buffer[tcp + 12] & 0xff) >>> 4) * 4;
        gsoSize = length - ipHeaderLength - tcpHeaderLength;
        nextSeq = getIntBE(buffer, tcp + 4) + gsoSize;
        pshSet = (buffer[tcp + 13] & TCP_PSH) != 0;
        merged = 0;
        lastShort = false;
    }

    /**
     * Appends the candidate packet at {@code b[OFFSET, OFFSET+length)} to the held one if it
     * continues it.
     *
     * @return false when it does not (the caller then flushes the held packet first)
     */
    public boolean append(byte[] b, int length) {
        if (!holding() || pshSet || lastShort || !isCandidate(b, length)) {
            return false;
        }
        boolean isV6 = (b[OFFSET] & 0xff) >>> 4 == 6;
        int ipHeader = isV6 ? 40 : 20;
        int tcp = OFFSET + ipHeader;
        int tcpHeader = ((b[tcp + 12] & 0xff) >>> 4) * 4;
        int payload = length - ipHeader - tcpHeader;
        if (isV6 != v6 || tcpHeader != tcpHeaderLength || payload > gsoSize
                || heldLength + payload > MAX_IP_LENGTH || OFFSET + heldLength + payload > held.length
                || getIntBE(b, tcp + 4) != nextSeq || !sameFlow(b, tcp)) {
            return false;
        }
        if (merged == 0 && !checksumValid(held, heldLength)) {
            return false;
        }
        if (!checksumValid(b, length)) {
            return false;
        }
        System.arraycopy(b, OFFSET + ipHeader + tcpHeader, held, OFFSET + heldLength, payload);
        heldLength += payload;
        nextSeq += payload;
        merged++;
        lastShort = payload < gsoSize;
        if ((b[tcp + 13] & TCP_PSH) != 0) {
            pshSet = true;
            held[OFFSET + ipHeaderLength + 13] |= TCP_PSH;
        }
        return true;
    }

    /**
     * Finishes the held packet for writing: its virtio header at {@code held[0, OFFSET)} and, if
     * segments were merged, the new lengths, IPv4 header checksum and the TCP pseudo-header sum
     * the kernel completes. Stops holding.
     *
     * @return bytes to write from the start of the held buffer
     */
    public int finish() {
        int length = heldLength;
        if (merged == 0) {
            VirtioNetHdr.clear(held, 0);
        } else {
            if (v6) {
                putShortBE(held, OFFSET + 4, length - 40);
            } else {
                putShortBE(held, OFFSET + 2, length);
                putShortBE(held, OFFSET + 10, 0);
                putShortBE(held, OFFSET + 10, Checksum.finish(Checksum.sum(held, OFFSET, 20, 0)));
            }
            int tcpLength = length - ipHeaderLength;
            putShortBE(held, OFFSET + ipHeaderLength + 16,
                    Checksum.fold(Checksum.pseudoHeader(held, OFFSET, v6, Checksum.PROTO_TCP, tcpLength)));
            VirtioNetHdr.set(held, 0, VirtioNetHdr.F_NEEDS_CSUM, v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4,
                    ipHeaderLength + tcpHeaderLength, gsoSize, ipHeaderLength, 16);
        }
        heldLength = 0;
        return OFFSET + length;
    }

    /** Addresses, ports, ACK number, IP header fields GRO keeps, and TCP options all equal. */
    private boolean sameFlow(byte[] b, int tcp) {
        int heldTcp = OFFSET + ipHeaderLength;
        if (v6) {
            if (b[OFFSET] != held[OFFSET] || (b[OFFSET + 1] & 0xf0) != (held[OFFSET + 1] & 0xf0)
                    || b[OFFSET + 7] != held[OFFSET + 7] || !equal(b, OFFSET + 8, OFFSET + 8, 32)) {
                return false;
            }
        } else if (b[OFFSET + 1] != held[OFFSET + 1] || (b[OFFSET + 6] & 0xe0) != (held[OFFSET + 6] & 0xe0)
                || b[OFFSET + 8] != held[OFFSET + 8] || !equal(b, OFFSET + 12, OFFSET + 12, 8)) {
            return false;
        }
        return equal(b, tcp, heldTcp, 4)                                // ports
                && getIntBE(b, tcp + 8) == getIntBE(held, heldTcp + 8)  // ACK
                && equal(b, tcp + 20, heldTcp + 20, tcpHeaderLength - 20); // options
    }

    private boolean equal(byte[] b, int at, int heldAt, int n) {
        return java.util.Arrays.equals(b, at, at + n, held, heldAt, heldAt + n);
    }

    private boolean checksumValid(byte[] b, int length) {
        int ipHeader = (b[OFFSET] & 0xff) >>> 4 == 6 ? 40 : 20;
        boolean isV6 = ipHeader == 40;
        long sum = Checksum.pseudoHeader(b, OFFSET, isV6, Checksum.PROTO_TCP, length - ipHeader);
        return Checksum.fold(Checksum.sum(b, OFFSET + ipHeader, length - ipHeader, sum)) == 0xffff;
    }
}
