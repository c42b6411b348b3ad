package dev.plexd.tunnel.noise;

/**
 * WireGuard's four message formats (paper §5.4): byte offsets and sizes. Multi-byte integers are
 * little-endian; the type is one byte followed by three zero bytes, read together as a 32-bit
 * value so non-zero reserved bytes make a message invalid.
 */
public final class Messages {

    public static final int TYPE_INITIATION = 1;
    public static final int TYPE_RESPONSE = 2;
    public static final int TYPE_COOKIE_REPLY = 3;
    public static final int TYPE_TRANSPORT = 4;

    public static final int INITIATION_SIZE = 148;
    public static final int INITIATION_SENDER = 4;
    public static final int INITIATION_EPHEMERAL = 8;
    public static final int INITIATION_STATIC = 40;
    public static final int INITIATION_TIMESTAMP = 88;
    public static final int INITIATION_MAC1 = 116;
    public static final int INITIATION_MAC2 = 132;

    public static final int RESPONSE_SIZE = 92;
    public static final int RESPONSE_SENDER = 4;
    public static final int RESPONSE_RECEIVER = 8;
    public static final int RESPONSE_EPHEMERAL = 12;
    public static final int RESPONSE_EMPTY = 44;
    public static final int RESPONSE_MAC1 = 60;
    public static final int RESPONSE_MAC2 = 76;

    public static final int COOKIE_REPLY_SIZE = 64;
    public static final int COOKIE_REPLY_RECEIVER = 4;
    public static final int COOKIE_REPLY_NONCE = 8;
    public static final int COOKIE_REPLY_COOKIE = 32;

    public static final int TRANSPORT_HEADER_SIZE = 16;
    public static final int TRANSPORT_RECEIVER = 4;
    public static final int TRANSPORT_COUNTER = 8;
    /** A keepalive: header and the tag of an empty payload. */
    public static final int TRANSPORT_MIN_SIZE = TRANSPORT_HEADER_SIZE + 16;

    /** Transport payloads are padded to a multiple of this (never beyond the MTU). */
    public static final int PADDING_MULTIPLE = 16;

    private Messages() {
    }

    public static int getInt(byte[] b, int offset) {
        return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8 | (b[offset + 2] & 0xff) << 16 | (b[offset + 3] & 0xff) << 24;
    }

    public static void putInt(byte[] b, int offset, int value) {
        b[offset] = (byte) value;
        b[offset + 1] = (byte) (value >>> 8);
        b[offset + 2] = (byte) (value >>> 16);
        b[offset + 3] = (byte) (value >>> 24);
    }

    public static void putLong(byte[] b, int offset, long value) {
        for (int i = 0; i < 8; i++) {
            b[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    public static long getLong(byte[] b, int offset) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[offset + i] & 0xff);
        }
        return v;
    }

    /** The padded payload length for a packet of {@code length} bytes on a link of {@code mtu}. */
    public static int paddedLength(int length, int mtu) {
        int last = length;
        if (mtu > 0 && last > mtu) {
            last %= mtu;
        }
        int padded = (last + PADDING_MULTIPLE - 1) & -PADDING_MULTIPLE;
        if (mtu > 0 && padded > mtu) {
            padded = mtu;
        }
        return length + (padded - last);
    }
}
