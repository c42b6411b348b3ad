package dev.plexd.tunnel.tun;

/**
 * {@code struct virtio_net_hdr} (10 bytes, little-endian) that precedes every packet on a TUN
 * opened with {@code IFF_VNET_HDR}: whether the packet is a TCP super-packet to segment
 * ({@code gso_type}, {@code gso_size}, {@code hdr_len}) and whether its checksum is left partial
 * ({@code NEEDS_CSUM} with {@code csum_start}/{@code csum_offset}).
 */
public final class VirtioNetHdr {

    public static final int SIZE = 10;
    public static final int F_NEEDS_CSUM = 1;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_ECN = 0x80;

    private VirtioNetHdr() {
    }

    public static int flags(byte[] b, int offset) {
        return b[offset] & 0xff;
    }

    public static int gsoType(byte[] b, int offset) {
        return b[offset + 1] & 0xff;
    }

    public static int hdrLen(byte[] b, int offset) {
        return u16(b, offset + 2);
    }

    public static int gsoSize(byte[] b, int offset) {
        return u16(b, offset + 4);
    }

    public static int csumStart(byte[] b, int offset) {
        return u16(b, offset + 6);
    }

    public static int csumOffset(byte[] b, int offset) {
        return u16(b, offset + 8);
    }

    /** A header that says "a plain, fully checksummed packet". */
    public static void clear(byte[] b, int offset) {
        java.util.Arrays.fill(b, offset, offset + SIZE, (byte) 0);
    }

    public static void set(byte[] b, int offset, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        b[offset] = (byte) flags;
        b[offset + 1] = (byte) gsoType;
        put16(b, offset + 2, hdrLen);
        put16(b, offset + 4, gsoSize);
        put16(b, offset + 6, csumStart);
        put16(b, offset + 8, csumOffset);
    }

    private static int u16(byte[] b, int offset) {
        return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8;
    }

    private static void put16(byte[] b, int offset, int v) {
        b[offset] = (byte) v;
        b[offset + 1] = (byte) (v >>> 8);
    }
}
