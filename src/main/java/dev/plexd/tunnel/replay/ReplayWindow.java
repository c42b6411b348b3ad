package dev.plexd.tunnel.replay;

/**
 * The anti-replay sliding window of a receiving key (RFC 6479 as WireGuard uses it): a ring of
 * 2,048 bits in 64-bit blocks. A counter is accepted once if it is newer than everything seen, or
 * at most {@link #WINDOW_SIZE} behind the newest and not seen before. Moving forward clears whole
 * blocks, so the last block is kept redundant and the usable window is 2,048 − 64 = 1,984.
 *
 * <p>Not thread-safe: a key's window is only touched by the thread that decrypts for it.
 */
public final class ReplayWindow {

    public static final int TOTAL_BITS = 2048;
    private static final int BLOCK_BITS_LOG = 6;
    private static final int BLOCK_BITS = 1 << BLOCK_BITS_LOG;
    private static final int RING_BLOCKS = TOTAL_BITS / BLOCK_BITS;
    private static final int BLOCK_MASK = RING_BLOCKS - 1;
    private static final int BIT_MASK = BLOCK_BITS - 1;
    public static final long WINDOW_SIZE = (long) (RING_BLOCKS - 1) * BLOCK_BITS;

    /** Counters at or above this are rejected: the sender must have re-keyed long before. */
    public static final long REJECT_AFTER_MESSAGES = -(1L << 13) - 1; // 2^64 − 2^13 − 1, unsigned

    private final long[] ring = new long[RING_BLOCKS];
    private long last;

    /**
     * Checks and records {@code counter} (an unsigned 64-bit value); call only after the packet
     * authenticated, so forged counters never move the window.
     *
     * @return true if the counter is fresh
     */
    public boolean accept(long counter) {
        if (Long.compareUnsigned(counter, REJECT_AFTER_MESSAGES) >= 0) {
            return false;
        }
        long indexBlock = counter >>> BLOCK_BITS_LOG;
        if (Long.compareUnsigned(counter, last) > 0) {
            long current = last >>> BLOCK_BITS_LOG;
            long diff = Math.min(indexBlock - current, RING_BLOCKS);
            for (long i = current + 1; i <= current + diff; i++) {
                ring[(int) (i & BLOCK_MASK)] = 0;
            }
            last = counter;
        } else if (last - counter > WINDOW_SIZE) {
            return false;
        }
        int block = (int) (indexBlock & BLOCK_MASK);
        long bit = 1L << (counter & BIT_MASK);
        long old = ring[block];
        ring[block] = old | bit;
        return (old & bit) == 0;
    }

    /** The newest counter accepted so far. */
    public long last() {
        return last;
    }
}
