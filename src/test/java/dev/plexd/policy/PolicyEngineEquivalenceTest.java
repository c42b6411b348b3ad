package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The single-pass engine gives exactly the answers of the nested-loop reference, on random meshes. */
class PolicyEngineEquivalenceTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void engineMatchesTheReference(long seed) {
        assertEquivalent(NestedLoopReference.mesh(60, 300 + (int) seed * 13, 7, true, seed));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void engineMatchesTheReferenceWithoutWildcards(long seed) {
        var mesh = NestedLoopReference.mesh(60, 300 + (int) seed * 13, 7, false, seed);
        assertThat(mesh.getValue()).flatExtracting(Policy::rules)
                .noneMatch(rule -> rule.src().equals("*") || rule.dst().equals("*"));
        assertEquivalent(mesh);
    }

    private static void assertEquivalent(Map.Entry<List<Peer>, List<Policy>> mesh) {
        List<Peer> peers = mesh.getKey();
        List<Policy> policies = mesh.getValue();
        PolicyEngine engine = new PolicyEngine();

        assertThat(engine.filterPeers(peers, policies, "n0"))
                .isEqualTo(NestedLoopReference.filterPeers(peers, policies, "n0"));

        Map<String, String> byId = new HashMap<>();
        peers.forEach(p -> byId.put(p.id(), p.meshIp()));
        assertThat(engine.buildFirewallRules(policies, "n0", "plexd0", byId))
                .isEqualTo(NestedLoopReference.buildFirewallRules(policies, "n0", "plexd0", peers));
    }
}
