package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns policies into the two things a node enforces: which peers it may see (deny by default)
 * and the firewall rules for its mesh interface. Both run in one pass over the rules plus hash
 * lookups, so a full evaluation is O(peers + rules), never O(peers × rules).
 */
public final class PolicyEngine {

    private static final Logger log = LoggerFactory.getLogger(PolicyEngine.class);

    /**
     * The peers an allow rule connects with the local node, in either direction ({@code "*"} matches
     * any node). Deny rules grant nothing; the local node itself is never returned.
     */
    public List<Peer> filterPeers(List<Peer> peers, List<Policy> policies, String localNodeId) {
        if (peers == null || peers.isEmpty() || policies == null) {
            return List.of();
        }
        Set<String> visible = new HashSet<>();
        boolean everyone = false;
        scan:
        for (Policy policy : policies) {
            for (PolicyRule rule : policy.rules()) {
                if (!rule.isAllow()) {
                    continue;
                }
                if (matchesNode(rule.src(), localNodeId)) {
                    everyone = visibleVia(rule.dst(), visible);
                }
                if (!everyone && matchesNode(rule.dst(), localNodeId)) {
                    everyone = visibleVia(rule.src(), visible);
                }
                if (everyone) {
                    break scan;
                }
            }
        }
        List<Peer> result = new ArrayList<>();
        for (Peer peer : peers) {
            if (!peer.id().equals(localNodeId) && (everyone || visible.contains(peer.id()))) {
                result.add(peer);
            }
        }
        return result;
    }

    /** Records the far end of a rule; true when it is the wildcard, which makes every peer visible. */
    private static boolean visibleVia(String otherEnd, Set<String> visible) {
        if (PolicyRule.WILDCARD.equals(otherEnd)) {
            return true;
        }
        visible.add(otherEnd);
        return false;
    }

    private static boolean matchesNode(String ruleEnd, String nodeId) {
        return PolicyRule.WILDCARD.equals(ruleEnd) || ruleEnd.equals(nodeId);
    }

    /**
     * The firewall rules for the local node, in policy order, ending with a default deny.
     *
     * <p>Only rules with the local node (or {@code "*"}) at either end are kept. {@code "*"} becomes
     * {@value FirewallRule#ANY}; a node ID missing from {@code peersById} becomes an empty address,
     * which backends treat as matching nothing. Rules that cannot be expressed as given fail
     * closed: an allow rule with a protocol other than tcp/udp (or a port out of range) is skipped with
     * a warning, while such a deny rule denies all traffic between its ends; an action other than
     * allow is a deny; a port without a protocol means that port over tcp and udp.
     *
     * @param peersById node ID to mesh IP, including the local node's own
     */
    public List<FirewallRule> buildFirewallRules(List<Policy> policies, String localNodeId, String iface,
                                                 Map<String, String> peersById) {
        List<FirewallRule> rules = new ArrayList<>();
        if (policies != null) {
            for (Policy policy : policies) {
                int skipped = 0;
                String skippedProtocol = null;
                for (PolicyRule rule : policy.rules()) {
                    if (!matchesNode(rule.src(), localNodeId) && !matchesNode(rule.dst(), localNodeId)) {
                        continue;
                    }
                    boolean allow = rule.isAllow();
                    String protocol = rule.protocol();
                    int port = rule.port();
                    if (!FirewallRule.isValidProtocol(protocol) || port < 0 || port > 65535) {
                        if (allow) {
                            skipped++;
                            skippedProtocol = protocol;
                            continue;
                        }
                        // A deny that cannot be expressed as written denies everything between its ends.
                        protocol = "";
                        port = 0;
                    }
                    String src = resolve(rule.src(), peersById);
                    String dst = resolve(rule.dst(), peersById);
                    String action = allow ? PolicyRule.ALLOW : PolicyRule.DENY;
                    if (port > 0 && protocol.isEmpty()) {
                        rules.add(new FirewallRule(iface, src, dst, port, "tcp", action));
                        rules.add(new FirewallRule(iface, src, dst, port, "udp", action));
                    } else {
                        rules.add(new FirewallRule(iface, src, dst, port, protocol, action));
                    }
                }
                if (skipped > 0) {
                    log.atWarn().addKeyValue("policy_id", policy.id()).addKeyValue("skipped_rules", skipped)
                            .addKeyValue("protocol", skippedProtocol)
                            .log("skipped allow rules that cannot be enforced (invalid protocol or port)");
                }
            }
        }
        rules.add(new FirewallRule(iface, FirewallRule.ANY, FirewallRule.ANY, 0, "", PolicyRule.DENY));
        return rules;
    }

    private static String resolve(String nodeId, Map<String, String> peersById) {
        if (PolicyRule.WILDCARD.equals(nodeId)) {
            return FirewallRule.ANY;
        }
        String ip = peersById == null ? null : peersById.get(nodeId);
        return ip == null ? "" : ip;
    }
}
