package dev.plexd.service.filter;

import dev.plexd.service.InboundFilter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Packets allowed and dropped (by reason) per peer slot, in one preallocated array: counting is an
 * array increment, never an allocation. One 64-byte row per slot, so two data-plane threads
 * counting different peers never share a cache line; slots outside
 * {@code 0..MAX_PEER_SLOTS-1} count in one extra row.
 *
 * <p>Each count is written by whichever thread delivers that peer's packets with an opaque
 * read-increment-write, not an atomic add (which would cost more than the whole decision): the
 * counts are exact when a peer's packets are judged by one thread at a time (the data plane's
 * in-order per-peer receive path), and may miss increments if two threads judge packets of the
 * same peer at the same instant.
 */
final class FilterCounters {

    static final int STRIDE = 8;
    private static final int ROWS = InboundFilter.MAX_PEER_SLOTS + 1;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] counts = new long[ROWS * STRIDE];

    static {
        if (CompiledPolicy.ALLOWED_AS_REPLY >= STRIDE) {
            throw new IllegalStateException("a counter row holds " + STRIDE + " outcomes");
        }
    }

    /** @param outcome {@link CompiledPolicy#ALLOWED}, {@link CompiledPolicy#ALLOWED_AS_REPLY} or a {@link DropReason#code()} */
    void count(int slot, int outcome) {
        int index = row(slot) * STRIDE + outcome;
        LONGS.setOpaque(counts, index, (long) LONGS.getOpaque(counts, index) + 1);
    }

    /** Starts a slot's counts from zero when it is bound to a (new) peer. */
    void reset(int slot) {
        int base = row(slot) * STRIDE;
        for (int i = 0; i < STRIDE; i++) {
            LONGS.setOpaque(counts, base + i, 0L);
        }
    }

    long get(int slot, int outcome) {
        return (long) LONGS.getOpaque(counts, row(slot) * STRIDE + outcome);
    }

    long total(int outcome) {
        long sum = 0;
        for (int row = 0; row < ROWS; row++) {
            sum += (long) LONGS.getOpaque(counts, row * STRIDE + outcome);
        }
        return sum;
    }

    /** Every drop of every reason and slot: one pass over the array, off the per-packet path. */
    long totalDrops() {
        long sum = 0;
        int reasons = DropReason.values().length;
        for (int row = 0; row < ROWS; row++) {
            for (int code = 1; code <= reasons; code++) {
                sum += (long) LONGS.getOpaque(counts, row * STRIDE + code);
            }
        }
        return sum;
    }

    private static int row(int slot) {
        return Integer.compareUnsigned(slot, InboundFilter.MAX_PEER_SLOTS) < 0 ? slot : InboundFilter.MAX_PEER_SLOTS;
    }
}
