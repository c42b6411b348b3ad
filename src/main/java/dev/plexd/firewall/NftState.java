package dev.plexd.firewall;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plexd objects of one or more policy chains in table {@code inet plexd}: what plexd last
 * applied, what it wants, or what the kernel holds. Two states are compared to produce the
 * transaction that turns one into the other ({@link NftTransaction}).
 *
 * @param chains by name
 * @param sets   by name
 */
record NftState(Map<String, Chain> chains, Map<String, NftSet> sets) {

    static final String FAMILY = "inet";
    static final String TABLE = "plexd";
    /** How every command addresses the table. */
    static final String TABLE_REF = FAMILY + " " + TABLE;

    static final NftState EMPTY = new NftState(Map.of(), Map.of());

    NftState {
        chains = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chains));
        sets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sets));
    }

    boolean isEmpty() {
        return chains.isEmpty() && sets.isEmpty();
    }

    int elementCount() {
        return sets.values().stream().mapToInt(s -> s.elements().size()).sum();
    }

    /** How a base chain is attached to netfilter; null for a regular chain. */
    record Hook(String type, String hook, int priority, String policy) {
        static Hook filter(String hook) {
            return new Hook("filter", hook, 0, "accept");
        }

        String render() {
            return "{ type " + type + " hook " + hook + " priority " + priority + "; policy " + policy + "; }";
        }
    }

    /**
     * @param hook  null for a regular chain
     * @param rules rule texts in order; null when they are not known (a chain read from the kernel
     *              that differs from, or predates, what this process wrote), which always differs
     */
    record Chain(String name, Hook hook, List<String> rules) {
        Chain {
            rules = rules == null ? null : List.copyOf(rules);
        }
    }

    /**
     * @param type     the key type as nft writes it, e.g. {@code ipv4_addr . inet_proto . inet_service}
     * @param elements canonical element texts ({@code 10.100.0.2 . tcp . 22})
     */
    record NftSet(String name, String type, Set<String> elements) {
        NftSet {
            // An OverlaySet is already immutable; copying it would undo what it saves.
            elements = elements instanceof OverlaySet ? elements : Set.copyOf(elements);
        }
    }
}
