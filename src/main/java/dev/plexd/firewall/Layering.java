package dev.plexd.firewall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups an ordered, first-match rule list into layers so that every layer can be one set lookup
 * per match shape, however allow and deny rules interleave.
 *
 * <p>Order only matters between two rules that some packet matches both of and whose actions
 * differ. So a rule is placed in the lowest layer of its action (allow layers are even, deny
 * layers odd) that lies above every earlier overlapping rule of the other action. Evaluating the
 * layers in order and taking the first match then gives the verdict of the original list: the
 * first matching rule of the list has a lower layer than every matching rule of the other action
 * after it, and rules of its own action agree with it. Per-peer policies such as "deny X tcp 22,
 * allow X" at 10,000 peers stay two layers, not 20,000 segments.
 *
 * <p>Overlap is looked up in hash indexes by exact host or wildcard, so a rule costs a few map
 * lookups; only rules with a network prefix are compared against the list one by one. The
 * indexes ignore the address family of a wildcard end, which can place a rule in a later layer
 * than needed but never in an earlier one.
 */
final class Layering {

    private Layering() {
    }

    /** The layer of each rule, index for index. */
    static int[] assign(List<CompiledRule> rules) {
        Index allows = new Index();
        Index denies = new Index();
        int[] layers = new int[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            CompiledRule rule = rules.get(i);
            int layer = above((rule.allow() ? denies : allows).maxOverlapping(rule), rule.allow());
            layers[i] = layer;
            (rule.allow() ? allows : denies).add(rule, layer);
        }
        return layers;
    }

    /** The lowest layer of the action's parity (allow even, deny odd) above {@code bound}. */
    static int above(int bound, boolean allow) {
        int layer = bound + 1;
        return (layer & 1) == (allow ? 0 : 1) ? layer : layer + 1;
    }

    /**
     * Whether the indexes count the two rules as matching a common packet (their actions aside):
     * exactly when one has a network prefix, else by equal-or-wildcard ends and overlapping
     * protocol and port, ignoring the family of a wildcard end as the indexes do.
     */
    static boolean interacts(CompiledRule a, CompiledRule b) {
        if (a.hasPrefix() || b.hasPrefix()) {
            return a.overlaps(b);
        }
        return endsMeet(a.src(), b.src()) && endsMeet(a.dst(), b.dst()) && a.l4Overlaps(b);
    }

    private static boolean endsMeet(Address a, Address b) {
        return a instanceof Address.Any || b instanceof Address.Any || a.equals(b);
    }

    private record Pair(Address src, Address dst) {
    }

    private record Placed(CompiledRule rule, int layer) {
    }

    /** The rules of one action placed so far, searchable by the ends they match. */
    private static final class Index {
        private final Map<Pair, L4Max> byPair = new HashMap<>();
        private final Map<Address, L4Max> bySrc = new HashMap<>();
        private final Map<Address, L4Max> byDst = new HashMap<>();
        private final L4Max all = new L4Max();
        private final List<Placed> withPrefix = new ArrayList<>();
        private final List<Placed> every = new ArrayList<>();

        void add(CompiledRule rule, int layer) {
            Placed placed = new Placed(rule, layer);
            every.add(placed);
            if (rule.hasPrefix()) {
                withPrefix.add(placed);
                return;
            }
            byPair.computeIfAbsent(new Pair(rule.src(), rule.dst()), k -> new L4Max()).add(rule, layer);
            bySrc.computeIfAbsent(rule.src(), k -> new L4Max()).add(rule, layer);
            byDst.computeIfAbsent(rule.dst(), k -> new L4Max()).add(rule, layer);
            all.add(rule, layer);
        }

        /** The highest layer of an indexed rule some packet matches together with {@code rule}; -1 if none. */
        int maxOverlapping(CompiledRule rule) {
            if (rule.hasPrefix()) {
                return scan(every, rule);
            }
            int max = scan(withPrefix, rule);
            Address any = Address.Any.INSTANCE;
            boolean srcAny = rule.src() instanceof Address.Any;
            boolean dstAny = rule.dst() instanceof Address.Any;
            if (srcAny && dstAny) {
                return Math.max(max, all.query(rule));
            }
            if (srcAny) {
                return Math.max(max, Math.max(query(byDst, rule.dst(), rule), query(byDst, any, rule)));
            }
            if (dstAny) {
                return Math.max(max, Math.max(query(bySrc, rule.src(), rule), query(bySrc, any, rule)));
            }
            max = Math.max(max, query(byPair, new Pair(rule.src(), rule.dst()), rule));
            max = Math.max(max, query(byPair, new Pair(rule.src(), any), rule));
            max = Math.max(max, query(byPair, new Pair(any, rule.dst()), rule));
            return Math.max(max, query(byPair, new Pair(any, any), rule));
        }

        private static <K> int query(Map<K, L4Max> index, K key, CompiledRule rule) {
            L4Max entry = index.get(key);
            return entry == null ? -1 : entry.query(rule);
        }

        private static int scan(List<Placed> placed, CompiledRule rule) {
            int max = -1;
            for (Placed p : placed) {
                if (p.layer > max && p.rule.overlaps(rule)) {
                    max = p.layer;
                }
            }
            return max;
        }
    }

    /** Highest layer per protocol/port match, answering "the highest layer whose L4 match overlaps this one". */
    private static final class L4Max {
        private int all = -1;
        private int anyProtocol = -1;
        private final int[] protocolAll = {-1, -1};
        private final int[] protocolOnly = {-1, -1};
        private Map<Integer, Integer> ports;

        void add(CompiledRule rule, int layer) {
            all = Math.max(all, layer);
            if (rule.protocol().isEmpty()) {
                anyProtocol = Math.max(anyProtocol, layer);
                return;
            }
            int p = protocolIndex(rule.protocol());
            protocolAll[p] = Math.max(protocolAll[p], layer);
            if (rule.port() == 0) {
                protocolOnly[p] = Math.max(protocolOnly[p], layer);
            } else {
                if (ports == null) {
                    ports = new HashMap<>();
                }
                ports.merge(portKey(p, rule.port()), layer, Math::max);
            }
        }

        int query(CompiledRule rule) {
            if (rule.protocol().isEmpty()) {
                return all;
            }
            int p = protocolIndex(rule.protocol());
            if (rule.port() == 0) {
                return Math.max(anyProtocol, protocolAll[p]);
            }
            int exact = ports == null ? -1 : ports.getOrDefault(portKey(p, rule.port()), -1);
            return Math.max(Math.max(anyProtocol, protocolOnly[p]), exact);
        }

        private static int protocolIndex(String protocol) {
            return "tcp".equals(protocol) ? 0 : 1;
        }

        private static int portKey(int protocol, int port) {
            return protocol << 16 | port;
        }
    }
}
