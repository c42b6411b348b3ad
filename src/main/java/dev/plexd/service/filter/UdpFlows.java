package dev.plexd.service.filter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.LongSupplier;

/**
 * The UDP flows this node started through the mesh, so that their replies pass a policy that does
 * not open this node's (ephemeral) port: the userspace stand-in for conntrack's
 * {@code ct state established} for UDP. TCP needs none of this (see {@link CompiledPolicy#decide}).
 *
 * <p>A fixed table of {@link #ENTRIES} entries in one {@code long[]}, allocated once: 4-way
 * set-associative open addressing, an entry per (peer slot, local port, remote address, remote
 * port). Recording a new flow in a full set overwrites the set's oldest entry; the table never
 * grows and neither path allocates. A flow lives {@link #TIMEOUT_NANOS} after its last outbound
 * packet (refreshed at most once per {@link #REFRESH_NANOS}).
 *
 * <p>In front of the table, two bitmaps of local ports ({@link #RECENT_BITS} bits each, 16 KiB
 * together, cache-resident) answer "certainly no flow" for the common case of a denied datagram to
 * a port no flow of this node uses: one bitmap per {@link #EPOCH_SHIFT epoch} of 34 s, the older one
 * cleared when an epoch starts. Every recorded flow (and every refresh) sets its local port's bit in
 * the current epoch's bitmap, so a flow within its timeout always has its bit set in the current or
 * the previous epoch; stale bits only cost the table lookup. Indexed by the port itself, the check
 * needs no hash: it is on the path of every judged UDP packet.
 *
 * <p>Concurrency: outbound threads write, inbound threads read, without locks. Each entry is a
 * small seqlock on its timestamp: a writer claims the entry by swapping the timestamp to
 * {@link #BUSY} (compare-and-set, so two outbound threads never write one entry at once; the loser
 * skips the record), writes the key and address with opaque stores, then publishes the new
 * timestamp with a release store. A reader acquires the timestamp, reads key and address, and
 * checks the timestamp is unchanged; otherwise it treats the entry as absent. Timestamps of an
 * entry only ever increase, so a changed entry is always detected: a race can cause a miss (the
 * reply is judged by the policy alone), never a match against a torn entry.
 */
final class UdpFlows {

    /** How long a flow's replies pass after its last outbound packet: Linux conntrack's UDP default ({@code nf_conntrack_udp_timeout}). */
    static final long TIMEOUT_NANOS = 30_000_000_000L;
    /** An active flow's timestamp is rewritten at most this often, sparing the cache line the inbound thread reads. */
    static final long REFRESH_NANOS = 1_000_000_000L;
    static final int ENTRIES = 65_536;

    private static final int WAYS = 4;
    private static final int SET_BITS = Integer.numberOfTrailingZeros(ENTRIES / WAYS);
    /** Per entry: key, address high 64 bits, address low 64 bits, timestamp. */
    private static final int STRIDE = 4;
    private static final int ADDRESS_HIGH = 1;
    private static final int ADDRESS_LOW = 2;
    private static final int STAMP = 3;
    /** Timestamp of an entry being written; never a recorded time. */
    private static final long BUSY = Long.MIN_VALUE;
    private static final long VALID = 1L << 63;
    private static final long IPV6 = 1L << 62;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    static final int RECENT_BITS = 65_536;
    /** nanoTime >> 35: epochs of 34.4 s, longer than {@link #TIMEOUT_NANOS}. */
    static final int EPOCH_SHIFT = 35;

    private final long[] table = new long[ENTRIES * STRIDE];
    /**
     * The bitmaps of even and odd epochs in one array: word {@code port / 32} holds the even epoch's
     * bit of the port in its low half and the odd epoch's in its high half, so a probe is one read.
     */
    private final long[] recent = new long[2 * RECENT_BITS / 64];
    /** The epoch of the last recorded flow; only outbound threads use it. */
    private volatile long epoch = Long.MIN_VALUE;
    private final LongSupplier nanoTime;

    UdpFlows(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Records an outbound UDP packet (IP header at {@code offset}) sent to the peer in {@code slot}; anything else is ignored. */
    void record(int slot, byte[] packet, int offset, int length) {
        long headers = IpHeaders.walk(packet, offset, length);
        if (IpHeaders.kind(headers) != IpHeaders.TRANSPORT || IpHeaders.protocol(headers) != IpHeaders.UDP
                || slot < 0 || slot > 0xffff) {
            return;
        }
        int l4 = IpHeaders.transport(headers);
        boolean ipv6 = IpHeaders.isIpv6(headers);
        int ports = IpHeaders.int32(packet, l4);
        long key = key(slot, ipv6, ports >>> 16, ports & 0xffff);
        long high = ipv6 ? IpHeaders.int64(packet, offset + 24) : 0;
        long low = ipv6 ? IpHeaders.int64(packet, offset + 32) : IpHeaders.int32(packet, offset + 16) & 0xffffffffL;
        long now = nanoTime.getAsLong();
        markRecent(ports >>> 16, now);
        int set = set(hash(key, high, low));
        int victim = -1;
        long victimAge = Long.MIN_VALUE;
        for (int way = 0; way < WAYS; way++) {
            int entry = (set + way) * STRIDE;
            long stamp = stampIfHolds(entry, key, high, low);
            if (stamp != BUSY) {
                if (now - stamp < REFRESH_NANOS) {
                    return;
                }
                victim = entry;
                break;
            }
            long other = (long) LONGS.getOpaque(table, entry + STAMP);
            if (other == BUSY) {
                continue;
            }
            long age = ((long) LONGS.getOpaque(table, entry) & VALID) == 0 ? Long.MAX_VALUE : now - other;
            if (age > victimAge) {
                victim = entry;
                victimAge = age;
            }
        }
        if (victim >= 0) {
            write(victim, key, high, low, now);
        }
    }

    /**
     * 1 when the bitmaps say a flow may use this local port (an inbound packet's destination port),
     * else 0: "certainly no reply" without a branch, for every UDP packet the policy judges.
     */
    int mayBeReply(int localPort) {
        long word = (long) LONGS.getOpaque(recent, localPort >>> 5);
        return (int) ((word | word >>> 32) >>> (localPort & 31)) & 1;
    }

    /**
     * Whether an inbound packet from the peer in {@code slot} is a UDP reply to a flow recorded
     * within {@link #TIMEOUT_NANOS}: its source is the flow's remote address and port, its
     * destination port the flow's local port. The caller has already found the port in the
     * bitmaps ({@link #mayBeReply}); this looks up the exact flow.
     *
     * @param headers the packet's {@link IpHeaders#walk}, already done by the policy decision
     */
    boolean isReply(int slot, byte[] packet, int offset, long headers) {
        if (IpHeaders.kind(headers) != IpHeaders.TRANSPORT || IpHeaders.protocol(headers) != IpHeaders.UDP
                || slot < 0 || slot > 0xffff) {
            return false;
        }
        boolean ipv6 = IpHeaders.isIpv6(headers);
        int ports = IpHeaders.int32(packet, IpHeaders.transport(headers));
        long key = key(slot, ipv6, ports & 0xffff, ports >>> 16);
        long high = ipv6 ? IpHeaders.int64(packet, offset + 8) : 0;
        long low = ipv6 ? IpHeaders.int64(packet, offset + 16) : IpHeaders.int32(packet, offset + 12) & 0xffffffffL;
        int set = set(hash(key, high, low));
        for (int way = 0; way < WAYS; way++) {
            long stamp = stampIfHolds((set + way) * STRIDE, key, high, low);
            if (stamp != BUSY) {
                return nanoTime.getAsLong() - stamp < TIMEOUT_NANOS;
            }
        }
        return false;
    }

    /** The entry's timestamp if it holds exactly this flow (read consistently), else {@link #BUSY}. */
    private long stampIfHolds(int entry, long key, long high, long low) {
        // Two attempts: a refresh moves the timestamp without changing the flow, and should not cost a reply.
        for (int attempt = 0; attempt < 2; attempt++) {
            long stamp = (long) LONGS.getAcquire(table, entry + STAMP);
            if (stamp == BUSY) {
                return BUSY;
            }
            boolean holds = (long) LONGS.getOpaque(table, entry) == key
                    && (long) LONGS.getOpaque(table, entry + ADDRESS_HIGH) == high
                    && (long) LONGS.getOpaque(table, entry + ADDRESS_LOW) == low;
            VarHandle.loadLoadFence();
            if ((long) LONGS.getOpaque(table, entry + STAMP) == stamp) {
                return holds ? stamp : BUSY;
            }
        }
        return BUSY;
    }

    private void write(int entry, long key, long high, long low, long now) {
        long old = (long) LONGS.getOpaque(table, entry + STAMP);
        if (old == BUSY || !LONGS.compareAndSet(table, entry + STAMP, old, BUSY)) {
            return; // another outbound thread is writing this entry: skip, a later packet records the flow
        }
        boolean empty = ((long) LONGS.getOpaque(table, entry) & VALID) == 0;
        LONGS.setOpaque(table, entry, key);
        LONGS.setOpaque(table, entry + ADDRESS_HIGH, high);
        LONGS.setOpaque(table, entry + ADDRESS_LOW, low);
        // Strictly increasing per entry (the clock is monotonic; +1 within one nanosecond), so a reader
        // never mistakes a rewritten entry for the one it began to read. An empty entry only needs a change.
        long stamp = empty ? (now == old ? now + 1 : now) : now - old > 0 ? now : old + 1;
        LONGS.setRelease(table, entry + STAMP, stamp == BUSY ? stamp + 1 : stamp);
    }

    private static long key(int slot, boolean ipv6, int localPort, int remotePort) {
        return VALID | (ipv6 ? IPV6 : 0) | (long) slot << 32 | (long) localPort << 16 | remotePort;
    }

    /**
     * Sets the flow's local port in the current epoch's bitmap, first clearing that bitmap (two epochs old)
     * when the epoch has changed. Two outbound threads racing here can lose a bit: a miss, never a match.
     */
    private void markRecent(int localPort, long now) {
        long current = now >> EPOCH_SHIFT;
        int half = (int) (current & 1) << 5;
        if (current != epoch) {
            epoch = current;
            long keepOtherHalf = ~(0xffffffffL << half);
            for (int i = 0; i < recent.length; i++) {
                LONGS.getAndBitwiseAnd(recent, i, keepOtherHalf); // atomic: the other half is live
            }
        }
        int word = localPort >>> 5;
        long mask = 1L << ((localPort & 31) + half);
        if (((long) LONGS.getOpaque(recent, word) & mask) == 0) {
            LONGS.getAndBitwiseOr(recent, word, mask);
        }
    }

    /** The first entry index of the flow's set. */
    private static int set(long hash) {
        return (int) (hash >>> (64 - SET_BITS)) * WAYS;
    }

    /** A 64-bit mix (MurmurHash3's finaliser) of the whole flow. */
    private static long hash(long key, long high, long low) {
        long h = key ^ high * 0x9e3779b97f4a7c15L ^ low * 0xc2b2ae3d27d4eb4fL;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
