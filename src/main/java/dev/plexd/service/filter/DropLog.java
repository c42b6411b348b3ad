package dev.plexd.service.filter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Samples of dropped packets for the log, at most {@link #LINES_PER_SECOND} a second. The data
 * plane only copies the packet's first bytes into a preallocated ring (no allocation, no lock, no
 * I/O on its thread); a background task {@link #drain}s the ring once a second, formats and logs
 * the samples and reports how many drops were not logged. Every drop is still counted exactly in
 * {@link FilterCounters}; the log is a sample.
 */
final class DropLog {

    static final int LINES_PER_SECOND = 10;
    private static final int CAPACITY = 16; // a power of two >= LINES_PER_SECOND
    static final int SNAPSHOT_BYTES = 128;
    private static final VarHandle CLAIMED;

    static {
        try {
            CLAIMED = MethodHandles.lookup().findVarHandle(DropLog.class, "claimed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int[] slots = new int[CAPACITY];
    private final int[] reasons = new int[CAPACITY];
    private final int[] lengths = new int[CAPACITY];
    private final byte[] heads = new byte[CAPACITY * SNAPSHOT_BYTES];
    /** Entry i holds sample seq when published[i] == seq + 1 (a volatile write after the fields). */
    private final AtomicLongArray published = new AtomicLongArray(CAPACITY);
    /** The next sample's sequence number. */
    private volatile long claimed;
    private volatile long limit = LINES_PER_SECOND;
    /** Whether this second's budget has room: the one field the per-packet check reads (a hint; {@link #sample} decides). */
    private volatile boolean open = true;
    private long drained;
    private long dropsAtLastDrain;

    /** One sampled drop: the slot, why, and the packet's first bytes. */
    record Sample(int slot, DropReason reason, byte[] head) {
    }

    /** What one drain found: the samples and how many other drops happened since the last drain. */
    record Batch(List<Sample> samples, long unlogged) {
    }

    /**
     * Called on the data plane's thread for every judged packet; samples it when {@code dropped}
     * and this second's budget is not spent. One branch, taken only for a sample: over the budget
     * (the usual case under a flood) the counters have it. Kept this small so the JIT inlines it
     * into the per-packet path.
     */
    void offer(boolean dropped, int slot, int reasonCode, byte[] packet, int offset, int length) {
        if (dropped & open) {
            sample(slot, reasonCode, packet, offset, length);
        }
    }

    private void sample(int slot, int reasonCode, byte[] packet, int offset, int length) {
        long seq = claimed;
        if (seq >= limit) {
            open = false;
            // A drain may have raised the limit after it was read above; reopen rather than miss its second.
            if (seq < limit) {
                open = true;
            }
            return;
        }
        if (!CLAIMED.compareAndSet(this, seq, seq + 1)) {
            return; // another thread took this entry
        }
        int entry = (int) (seq & (CAPACITY - 1));
        slots[entry] = slot;
        reasons[entry] = reasonCode;
        int copied = 0;
        if (packet != null && offset >= 0 && length > 0 && offset <= packet.length - length) {
            copied = Math.min(length, SNAPSHOT_BYTES);
            System.arraycopy(packet, offset, heads, entry * SNAPSHOT_BYTES, copied);
        }
        lengths[entry] = copied;
        published.set(entry, seq + 1);
    }

    /**
     * Takes the samples published since the last drain and opens the next second's budget. One
     * caller at a time.
     *
     * @param dropsSoFar all drops counted so far ({@link FilterCounters#totalDrops()}): the data
     *                   plane's thread counts each drop once, there, not again here
     */
    synchronized Batch drain(long dropsSoFar) {
        long end = claimed;
        List<Sample> samples = new ArrayList<>();
        long seq = drained;
        while (seq < end) {
            int entry = (int) (seq & (CAPACITY - 1));
            if (published.get(entry) != seq + 1) {
                break; // still being written; taken next time
            }
            int from = entry * SNAPSHOT_BYTES;
            samples.add(new Sample(slots[entry], DropReason.ofCode(reasons[entry]),
                    Arrays.copyOfRange(heads, from, from + lengths[entry])));
            seq++;
        }
        drained = seq;
        limit = seq + LINES_PER_SECOND;
        open = true;
        // Counters of a re-bound slot restart from zero, so the difference can dip: never report less than none.
        long total = Math.max(0, dropsSoFar - dropsAtLastDrain);
        dropsAtLastDrain = dropsSoFar;
        return new Batch(samples, Math.max(0, total - samples.size()));
    }
}
