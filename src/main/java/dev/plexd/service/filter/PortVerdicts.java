package dev.plexd.service.filter;

import dev.plexd.service.policy.Action;
import dev.plexd.service.policy.Limits;
import dev.plexd.service.policy.Protocol;
import dev.plexd.service.policy.SourcedRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One effective policy compiled to a verdict per TCP and UDP port: a bit per port (1 = allow),
 * stored as 64 blocks of 1,024 ports per protocol. Identical blocks are shared through a
 * {@link Blocks} pool, so the common all-allow and all-deny blocks cost nothing and memory grows
 * with the number of rule edges, not with ports. Immutable.
 */
public final class PortVerdicts {

    static final int PROTOCOLS = 2;
    public static final int TCP = 0;
    public static final int UDP = 1;
    static final int BLOCK_SHIFT = 10;
    static final int BLOCKS = 65_536 >>> BLOCK_SHIFT;
    static final int BLOCK_WORDS = (1 << BLOCK_SHIFT) / Long.SIZE;
    private static final int WORDS = 65_536 / Long.SIZE;

    /** [protocol * BLOCKS + port / 1024] → 16 words; shared between policies. */
    final long[][] blocks;

    private PortVerdicts(long[][] blocks) {
        this.blocks = blocks;
    }

    /**
     * Paints the rules over the default: later rules first, so the first matching rule's verdict is
     * the one left standing on every port — the specification's first match wins.
     */
    static PortVerdicts compile(List<SourcedRule> rules, boolean defaultAllow, Blocks pool) {
        long[][] bits = new long[PROTOCOLS][WORDS];
        for (long[] words : bits) {
            Arrays.fill(words, defaultAllow ? -1L : 0L);
        }
        for (int i = rules.size() - 1; i >= 0; i--) {
            var rule = rules.get(i).rule();
            boolean allow = rule.action() == Action.ALLOW;
            if (rule.protocol().covers(Protocol.TCP)) {
                paint(bits[TCP], rule.fromPort(), rule.toPort(), allow);
            }
            if (rule.protocol().covers(Protocol.UDP)) {
                paint(bits[UDP], rule.fromPort(), rule.toPort(), allow);
            }
        }
        long[][] blocks = new long[PROTOCOLS * BLOCKS][];
        for (int protocol = 0; protocol < PROTOCOLS; protocol++) {
            for (int block = 0; block < BLOCKS; block++) {
                blocks[protocol * BLOCKS + block] =
                        pool.intern(Arrays.copyOfRange(bits[protocol], block * BLOCK_WORDS, (block + 1) * BLOCK_WORDS));
            }
        }
        return new PortVerdicts(blocks);
    }

    private static void paint(long[] words, int from, int to, boolean allow) {
        int first = from >>> 6;
        int last = to >>> 6;
        for (int w = first; w <= last; w++) {
            long mask = -1L;
            if (w == first) {
                mask &= -1L << (from & 63);
            }
            if (w == last) {
                mask &= -1L >>> (63 - (to & 63));
            }
            words[w] = allow ? words[w] | mask : words[w] & ~mask;
        }
    }

    /** @param protocol {@link #TCP} or {@link #UDP} */
    public boolean allows(int protocol, int port) {
        long[] block = blocks[protocol * BLOCKS + (port >>> BLOCK_SHIFT)];
        return (block[(port >>> 6) & (BLOCK_WORDS - 1)] >>> port & 1) != 0;
    }

    /** 1 when every port of the protocol is allowed, 0 when every port is denied, -1 when mixed. */
    public int uniform(int protocol) {
        long[] first = blocks[protocol * BLOCKS];
        for (int block = 1; block < BLOCKS; block++) {
            if (blocks[protocol * BLOCKS + block] != first) {
                return -1;
            }
        }
        return first == Blocks.ALL_ALLOW ? 1 : first == Blocks.ALL_DENY ? 0 : -1;
    }

    /**
     * The distinct blocks the policies hold between them (a shared block once), numbered 0, 1, ... in
     * the order first met: its size is what {@link Limits#MAX_PORT_BLOCKS} bounds, its numbers are
     * the compiled filter's block numbers.
     */
    static Map<long[], Integer> numberBlocks(List<PortVerdicts> policies) {
        Map<long[], Integer> numbers = new IdentityHashMap<>();
        for (PortVerdicts policy : policies) {
            for (long[] block : policy.blocks) {
                numbers.putIfAbsent(block, numbers.size());
            }
        }
        return numbers;
    }

    /** A maximal run of ports with the same verdict. */
    public record PortRun(int from, int to, boolean allow) {
    }

    /** The protocol's ports as maximal runs covering 0–65535 in order. */
    public List<PortRun> runs(int protocol) {
        List<PortRun> runs = new ArrayList<>();
        int start = 0;
        boolean current = allows(protocol, 0);
        for (int port = 1; port <= 65_535; port++) {
            boolean verdict = allows(protocol, port);
            if (verdict != current) {
                runs.add(new PortRun(start, port - 1, current));
                start = port;
                current = verdict;
            }
        }
        runs.add(new PortRun(start, 65_535, current));
        return runs;
    }

    /**
     * The pool of distinct 1,024-port blocks, so equal blocks are one array: compiled snapshots
     * stay small and comparing blocks by identity tells uniform protocols apart.
     */
    static final class Blocks {

        static final long[] ALL_DENY = new long[BLOCK_WORDS];
        static final long[] ALL_ALLOW = filled();

        private final Map<Key, long[]> pool = new HashMap<>();

        Blocks() {
            pool.put(new Key(ALL_DENY), ALL_DENY);
            pool.put(new Key(ALL_ALLOW), ALL_ALLOW);
        }

        long[] intern(long[] words) {
            return pool.computeIfAbsent(new Key(words), key -> key.words);
        }

        private static long[] filled() {
            long[] words = new long[BLOCK_WORDS];
            Arrays.fill(words, -1L);
            return words;
        }

        private record Key(long[] words) {
            @Override
            public boolean equals(Object other) {
                return other instanceof Key(long[] otherWords) && Arrays.equals(words, otherWords);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(words);
            }
        }
    }
}
