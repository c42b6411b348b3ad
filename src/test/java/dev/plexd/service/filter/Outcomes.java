package dev.plexd.service.filter;

/** What one decision of the filter was, as its counters tell it: the tests judge the counting too. */
final class Outcomes {

    static final String ALLOWED = "allowed";

    private Outcomes() {
    }

    /**
     * Judges the packet and names the one counter that moved with the verdict: {@link #ALLOWED}, or
     * the {@link DropReason#name()} of the drop; a description of the mismatch otherwise.
     */
    static String judge(ServiceFilter filter, int slot, byte[] buffer, int offset, int length) {
        long allowed = filter.allowed(slot);
        long[] dropped = drops(filter, slot);
        boolean passed = filter.allowInbound(slot, buffer, offset, length);
        long[] droppedAfter = drops(filter, slot);
        if (passed && filter.allowed(slot) == allowed + 1) {
            return ALLOWED;
        }
        for (DropReason reason : DropReason.values()) {
            if (!passed && droppedAfter[reason.ordinal()] == dropped[reason.ordinal()] + 1) {
                return reason.name();
            }
        }
        return "no counter moved with the verdict (passed: " + passed + ")";
    }

    private static long[] drops(ServiceFilter filter, int slot) {
        long[] counts = new long[DropReason.values().length];
        for (DropReason reason : DropReason.values()) {
            counts[reason.ordinal()] = filter.dropped(slot, reason);
        }
        return counts;
    }
}
