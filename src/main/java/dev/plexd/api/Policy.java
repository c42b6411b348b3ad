package dev.plexd.api;

import java.util.List;

/** A network policy: an ID and its ordered rules. */
public record Policy(String id, List<PolicyRule> rules) {

    public Policy {
        rules = rules == null ? List.of() : List.copyOf(rules);
    }
}
