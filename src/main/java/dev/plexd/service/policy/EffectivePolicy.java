package dev.plexd.service.policy;

import java.util.List;

/**
 * The rules that apply to one peer, flattened in evaluation order — its peer files, then its orgs'
 * files, then the global file — and the default. {@link #decide} is the specification's
 * evaluation, rule by rule; the compiled filter must agree with it on every port.
 *
 * @param memberOf   every org the peer belongs to (with or without a policy file), in evaluation order
 * @param configured false when there is no {@code services/} directory (everything allowed)
 */
public record EffectivePolicy(PolicyKey key, List<String> memberOf, List<SourcedRule> rules,
                              Action defaultAction, boolean configured) {

    public EffectivePolicy {
        memberOf = List.copyOf(memberOf);
        rules = List.copyOf(rules);
    }

    /** First match wins; no match is the default. {@code protocol} is TCP or UDP. */
    public Decision decide(Protocol protocol, int port) {
        if (protocol == Protocol.ALL) {
            throw new IllegalArgumentException("a packet is tcp or udp, not all");
        }
        for (SourcedRule sourced : rules) {
            if (sourced.rule().matches(protocol, port)) {
                return new Decision(sourced.rule().action(), sourced);
            }
        }
        return new Decision(defaultAction, null);
    }
}
