package dev.plexd.service.filter;

import dev.plexd.service.policy.Action;
import dev.plexd.service.policy.EffectivePolicy;
import dev.plexd.service.policy.Limits;
import dev.plexd.service.policy.PeerIdentity;
import dev.plexd.service.policy.PolicyError;
import dev.plexd.service.policy.PolicyException;
import dev.plexd.service.policy.PolicyKey;
import dev.plexd.service.policy.PolicySet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles the effective policies of a list of peers; peers whose peer files and orgs are the same
 * share one {@link PortVerdicts}. Keeps the compiled policies of the current {@link PolicySet} so
 * recompiling after a peer or slot change only compiles what is new. Not thread-safe.
 */
public final class PolicyCompiler {

    private PolicySet cachedFor;
    private PortVerdicts.Blocks blocks;
    private Map<PolicyKey, PortVerdicts> cache = new HashMap<>();

    /**
     * @param blockNumbers the distinct verdict blocks the policies hold between them, numbered from 0
     *                     ({@link PortVerdicts#numberBlocks}): counted for the limit, laid out by the filter
     * @param policyOf     per input peer, its index in {@code policies}
     * @param keys         per policy, what it was compiled from
     */
    public record Result(List<PortVerdicts> policies, Map<long[], Integer> blockNumbers, int[] policyOf, List<PolicyKey> keys) {
    }

    /**
     * @throws PolicyException when the peers need more than {@link Limits#MAX_DISTINCT_POLICIES}
     *                         distinct policies, or these more than {@link Limits#MAX_PORT_BLOCKS}
     *                         distinct verdict blocks
     */
    public Result compile(PolicySet set, List<PeerIdentity> peers) throws PolicyException {
        if (set != cachedFor) {
            cachedFor = set;
            blocks = new PortVerdicts.Blocks();
            cache = new HashMap<>();
        }
        boolean defaultAllow = set.defaultAction() == Action.ALLOW;
        Map<PolicyKey, Integer> index = new LinkedHashMap<>();
        List<PortVerdicts> policies = new ArrayList<>();
        int[] policyOf = new int[peers.size()];
        Map<PolicyKey, PortVerdicts> used = new HashMap<>();
        for (int i = 0; i < peers.size(); i++) {
            EffectivePolicy effective = set.effectiveFor(peers.get(i));
            Integer policy = index.get(effective.key());
            if (policy == null) {
                if (index.size() == Limits.MAX_DISTINCT_POLICIES) {
                    throw new PolicyException(new PolicyError(PolicySet.SERVICES_DIR, 0,
                            "too many distinct effective policies (combinations of peer files and orgs), at most "
                                    + Limits.MAX_DISTINCT_POLICIES, Integer.toString(countDistinct(set, peers))));
                }
                PortVerdicts verdicts = cache.get(effective.key());
                if (verdicts == null) {
                    verdicts = PortVerdicts.compile(effective.rules(), defaultAllow, blocks);
                }
                used.put(effective.key(), verdicts);
                policy = policies.size();
                index.put(effective.key(), policy);
                policies.add(verdicts);
            }
            policyOf[i] = policy;
        }
        Map<long[], Integer> blockNumbers = PortVerdicts.numberBlocks(policies);
        if (blockNumbers.size() > Limits.MAX_PORT_BLOCKS) {
            throw new PolicyException(new PolicyError(PolicySet.SERVICES_DIR, 0,
                    "too many distinct " + (1 << PortVerdicts.BLOCK_SHIFT) + "-port verdict blocks in the policies in use, at most "
                            + Limits.MAX_PORT_BLOCKS, Integer.toString(blockNumbers.size())));
        }
        // Keep only what is in use, so churn of peers over a long uptime cannot grow the cache.
        cache = used;
        return new Result(List.copyOf(policies), Collections.unmodifiableMap(blockNumbers), policyOf, List.copyOf(index.keySet()));
    }

    /** The key of one peer's effective policy, to see whether a compiled result already covers it. */
    public static PolicyKey keyOf(PolicySet set, PeerIdentity peer) {
        return set.effectiveFor(peer).key();
    }

    private static int countDistinct(PolicySet set, List<PeerIdentity> peers) {
        return (int) peers.stream().map(peer -> set.effectiveFor(peer).key()).distinct().count();
    }
}
