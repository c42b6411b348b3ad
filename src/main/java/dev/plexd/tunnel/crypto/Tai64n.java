package dev.plexd.tunnel.crypto;

import java.time.Instant;

/**
 * TAI64N timestamps of handshake initiations: 8 bytes big-endian {@code 2^62 + 10 + seconds}
 * (the TAI-UTC offset WireGuard uses), 4 bytes big-endian nanoseconds. Like wireguard-go, the
 * nanoseconds are rounded down to 2^24 ns (about 16 ms) so the timestamp does not reveal the
 * sender's clock precisely; initiations are rate-limited to one per 20 ms anyway.
 */
public final class Tai64n {

    public static final int LENGTH = 12;
    private static final long BASE = 0x400000000000000aL;
    private static final int WHITENER_MASK = 0x1000000 - 1;

    private Tai64n() {
    }

    public static byte[] of(Instant time) {
        byte[] out = new byte[LENGTH];
        long seconds = BASE + time.getEpochSecond();
        int nanos = time.getNano() & ~WHITENER_MASK;
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (seconds >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            out[8 + i] = (byte) (nanos >>> (24 - 8 * i));
        }
        return out;
    }

    /** Unsigned lexicographic order is time order for TAI64N. */
    public static boolean isAfter(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b) > 0;
    }
}
