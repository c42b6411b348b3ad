package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The straightforward policy evaluation, O(peers × rules): for every peer, scan every rule; resolve
 * every address by scanning the peer list. The reference the optimized {@link PolicyEngine} is
 * checked and measured against.
 */
final class NestedLoopReference {

    private NestedLoopReference() {
    }

    static List<Peer> filterPeers(List<Peer> peers, List<Policy> policies, String localNodeId) {
        List<Peer> visible = new ArrayList<>();
        for (Peer peer : peers) {
            if (peer.id().equals(localNodeId)) {
                continue;
            }
            rules:
            for (Policy policy : policies) {
                for (PolicyRule rule : policy.rules()) {
                    if (rule.isAllow() && (connects(rule.src(), rule.dst(), localNodeId, peer.id())
                            || connects(rule.dst(), rule.src(), localNodeId, peer.id()))) {
                        visible.add(peer);
                        break rules;
                    }
                }
            }
        }
        return visible;
    }

    private static boolean connects(String from, String to, String local, String peer) {
        return (from.equals("*") || from.equals(local)) && (to.equals("*") || to.equals(peer));
    }

    /** The engine's own rule building, with addresses resolved by a linear scan of the peers. */
    static List<FirewallRule> buildFirewallRules(List<Policy> policies, String localNodeId, String iface, List<Peer> peers) {
        return new PolicyEngine().buildFirewallRules(policies, localNodeId, iface, new LinearScanMap(peers));
    }

    /** A node ID → mesh IP "map" that looks every ID up by walking the list. */
    private static final class LinearScanMap extends AbstractMap<String, String> {
        private final List<Peer> peers;

        LinearScanMap(List<Peer> peers) {
            this.peers = peers;
        }

        @Override
        public String get(Object id) {
            for (Peer peer : peers) {
                if (peer.id().equals(id)) {
                    return peer.meshIp();
                }
            }
            return null;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            throw new UnsupportedOperationException("lookup only");
        }
    }

    /**
     * Mesh-wide test data: {@code peerCount} nodes and {@code ruleCount} rules, reproducible. With
     * {@code wildcards}, about one rule end in a thousand is {@code "*"}; at 100,000 rules one of them
     * soon links the local node to every node, which ends the visibility scan early, so the benchmark
     * measures meshes without them too.
     */
    static Map.Entry<List<Peer>, List<Policy>> mesh(int peerCount, int ruleCount, int rulesPerPolicy, boolean wildcards,
                                                    long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<Peer> peers = new ArrayList<>(peerCount);
        for (int i = 0; i < peerCount; i++) {
            peers.add(dev.plexd.testing.Fixtures.peer("n" + i, i + 1));
        }
        String[] protocols = {"", "tcp", "udp", "icmp"};
        List<Policy> policies = new ArrayList<>();
        List<PolicyRule> rules = new ArrayList<>();
        for (int r = 0; r < ruleCount; r++) {
            String src = pick(random, peerCount, wildcards);
            String dst = pick(random, peerCount, wildcards);
            String protocol = protocols[random.nextInt(protocols.length)];
            int port = protocol.isEmpty() ? 0 : random.nextInt(65536);
            rules.add(new PolicyRule(src, dst, port, protocol, random.nextInt(5) == 0 ? "deny" : "allow"));
            if (rules.size() == rulesPerPolicy) {
                policies.add(new Policy("pol-" + policies.size(), rules));
                rules = new ArrayList<>();
            }
        }
        if (!rules.isEmpty()) {
            policies.add(new Policy("pol-" + policies.size(), rules));
        }
        return Map.entry(peers, policies);
    }

    /** Node n0 is the local node: it takes part in about one rule in ten; "*" is rare or absent. */
    private static String pick(java.util.Random random, int peerCount, boolean wildcards) {
        int roll = random.nextInt(1000);
        if (roll == 0 && wildcards) {
            return "*";
        }
        if (roll < 50) {
            return "n0";
        }
        if (roll < 55) {
            return "ghost-" + roll;
        }
        return "n" + random.nextInt(peerCount);
    }
}
