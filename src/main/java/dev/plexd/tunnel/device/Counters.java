package dev.plexd.tunnel.device;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Drop counters by reason; allocation-free to update. */
public final class Counters {

    private static final DropReason[] REASONS = DropReason.values();
    private final AtomicLongArray drops = new AtomicLongArray(REASONS.length);

    void drop(DropReason reason) {
        drops.getAndIncrement(reason.ordinal());
    }

    public long drops(DropReason reason) {
        return drops.get(reason.ordinal());
    }

    public long totalDrops() {
        long sum = 0;
        for (int i = 0; i < REASONS.length; i++) {
            sum += drops.get(i);
        }
        return sum;
    }

    /** Non-zero counters only. */
    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason reason : REASONS) {
            long n = drops.get(reason.ordinal());
            if (n != 0) {
                out.put(reason, n);
            }
        }
        return out;
    }
}
