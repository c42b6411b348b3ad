package dev.plexd.tunnel.route;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Big-endian field access on raw IP packets, without allocating. */
public final class IpPackets {

    private static final VarHandle INT_BE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_BE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private IpPackets() {
    }

    public static int getIntBE(byte[] b, int offset) {
        return (int) INT_BE.get(b, offset);
    }

    public static void putIntBE(byte[] b, int offset, int value) {
        INT_BE.set(b, offset, value);
    }

    public static long getLongBE(byte[] b, int offset) {
        return (long) LONG_BE.get(b, offset);
    }

    public static int getShortBE(byte[] b, int offset) {
        return (short) SHORT_BE.get(b, offset) & 0xffff;
    }

    public static void putShortBE(byte[] b, int offset, int value) {
        SHORT_BE.set(b, offset, (short) value);
    }

    /**
     * The length an IP packet declares for itself (IPv4 total length, IPv6 40 + payload length),
     * or -1 when the buffer does not hold a well-formed IPv4/IPv6 header of at least that length.
     */
    public static int declaredLength(byte[] packet, int offset, int available) {
        if (available < 1) {
            return -1;
        }
        int version = (packet[offset] & 0xff) >>> 4;
        int declared;
        if (version == 4) {
            if (available < 20) {
                return -1;
            }
            declared = getShortBE(packet, offset + 2);
            if (declared < ((packet[offset] & 0x0f) << 2) || (packet[offset] & 0x0f) < 5) {
                return -1;
            }
        } else if (version == 6) {
            if (available < 40) {
                return -1;
            }
            declared = 40 + getShortBE(packet, offset + 4);
        } else {
            return -1;
        }
        return declared <= available ? declared : -1;
    }
}
