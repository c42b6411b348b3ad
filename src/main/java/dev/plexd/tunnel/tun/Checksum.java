package dev.plexd.tunnel.tun;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): a ones'-complement sum of 16-bit big-endian words. Sums are
 * kept unfolded in a long while accumulating (adding 32-bit words is equivalent, as 2^16 ≡ 1
 * modulo 2^16 − 1) and folded at the end.
 */
public final class Checksum {

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private Checksum() {
    }

    /** Adds {@code b[offset, offset+length)} to {@code initial} (unfolded). */
    public static long sum(byte[] b, int offset, int length, long initial) {
        long sum = initial;
        int i = offset;
        int end = offset + length;
        for (; i + 8 <= end; i += 8) {
            long v = (long) LONG_BE.get(b, i);
            sum += (v >>> 32) + (v & 0xffffffffL);
        }
        for (; i + 2 <= end; i += 2) {
            sum += (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8;
        }
        return sum;
    }

    /** Folds an unfolded sum to 16 bits (not complemented). */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The pseudo-header sum (unfolded) of the IP packet at {@code ipOffset} for a transport payload of {@code length}. */
    public static long pseudoHeader(byte[] packet, int ipOffset, boolean v6, int protocol, int length) {
        int addresses = v6 ? ipOffset + 8 : ipOffset + 12;
        int addressBytes = v6 ? 32 : 8;
        return sum(packet, addresses, addressBytes, protocol + (long) length);
    }

    /** The checksum field value: complement of the folded sum. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }
}
