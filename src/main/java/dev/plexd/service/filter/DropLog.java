package dev.plexd.service.filter;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

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

    private final int[] slots = new int[CAPACITY];
    private final int[] reasons = new int[CAPACITY];
    private final int[] lengths = new int[CAPACITY];
    private final byte[] heads = new byte[CAPACITY * SNAPSHOT_BYTES];
    /** Entry i holds sample seq when published[i] == seq + 1 (a volatile write after the fields). */
    private final AtomicLongArray published = new AtomicLongArray(CAPACITY);
    private final AtomicLong claimed = new AtomicLong();
    private volatile long limit = LINES_PER_SECOND;
    private final LongAdder drops = new LongAdder();
    private long drained;

    /** One sampled drop: the slot, why, and the packet's first bytes. */
    record Sample(int slot, DropReason reason, byte[] head) {
    }

    /** What one drain found: the samples and how many other drops happened since the last drain. */
    record Batch(List<Sample> samples, long unlogged) {
    }

    /** Called on the data plane's thread for every dropped packet. */
    void offer(int slot, int reasonCode, ByteBuffer packet, int offset, int length) {
        drops.increment();
        long seq = claimed.get();
        // Over this second's budget, or another thread is taking this entry: the counters have it.
        if (seq >= limit || !claimed.compareAndSet(seq, seq + 1)) {
            return;
        }
        int entry = (int) (seq & (CAPACITY - 1));
        slots[entry] = slot;
        reasons[entry] = reasonCode;
        int copied = 0;
        if (packet != null && offset >= 0 && length > 0 && offset <= packet.limit() - length) {
            copied = Math.min(length, SNAPSHOT_BYTES);
            for (int i = 0; i < copied; i++) {
                heads[entry * SNAPSHOT_BYTES + i] = packet.get(offset + i);
            }
        }
        lengths[entry] = copied;
        published.set(entry, seq + 1);
    }

    /** Takes the samples published since the last drain and opens the next second's budget. One caller at a time. */
    synchronized Batch drain() {
        long end = claimed.get();
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
        long total = drops.sumThenReset();
        return new Batch(samples, Math.max(0, total - samples.size()));
    }
}
