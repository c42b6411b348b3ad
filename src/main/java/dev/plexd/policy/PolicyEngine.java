package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
     * closed: an allow rule with a protocol other than tcp/udp (or a port out of range) is skipped,
     * while such a deny rule denies all traffic between its ends; an action other than allow is a
     * deny; a port without a protocol means that port over tcp and udp. Each of these is logged as a
     * warning naming the policy, the rule indexes (0-based, within the policy), protocols and actions.
     *
     * @param peersById node ID to mesh IP, including the local node's own
     */
    public List<FirewallRule> buildFirewallRules(List<Policy> policies, String localNodeId, String iface,
                                                 Map<String, String> peersById) {
        List<FirewallRule> rules = new ArrayList<>();
        if (policies != null) {
            for (Policy policy : policies) {
                Adjustments adjustments = null;
                List<PolicyRule> policyRules = policy.rules();
                for (int index = 0; index < policyRules.size(); index++) {
                    PolicyRule rule = policyRules.get(index);
                    if (!matchesNode(rule.src(), localNodeId) && !matchesNode(rule.dst(), localNodeId)) {
                        continue;
                    }
                    boolean allow = rule.isAllow();
                    String protocol = rule.protocol();
                    int port = rule.port();
                    Adjustment adjustment = null;
                    if (!allow && !PolicyRule.DENY.equals(rule.action())) {
                        adjustments = Adjustments.note(adjustments, Adjustment.UNKNOWN_ACTION, index, rule);
                    }
                    if (!FirewallRule.isValidProtocol(protocol) || port < 0 || port > 65535) {
                        if (allow) {
                            adjustments = Adjustments.note(adjustments, Adjustment.ALLOW_SKIPPED, index, rule);
                            continue;
                        }
                        // A deny that cannot be expressed as written denies everything between its ends.
                        adjustment = Adjustment.DENY_WIDENED;
                        protocol = "";
                        port = 0;
                    } else if (port > 0 && protocol.isEmpty()) {
                        adjustment = Adjustment.PORT_SPLIT;
                    }
                    String src = resolve(rule.src(), peersById);
                    String dst = resolve(rule.dst(), peersById);
                    String action = allow ? PolicyRule.ALLOW : PolicyRule.DENY;
                    if (adjustment == Adjustment.PORT_SPLIT) {
                        rules.add(new FirewallRule(iface, src, dst, port, "tcp", action));
                        rules.add(new FirewallRule(iface, src, dst, port, "udp", action));
                    } else {
                        rules.add(new FirewallRule(iface, src, dst, port, protocol, action));
                    }
                    if (adjustment != null) {
                        adjustments = Adjustments.note(adjustments, adjustment, index, rule);
                    }
                }
                if (adjustments != null) {
                    adjustments.log(policy.id());
                }
            }
        }
        rules.add(new FirewallRule(iface, FirewallRule.ANY, FirewallRule.ANY, 0, "", PolicyRule.DENY));
        return rules;
    }

    /** Why a rule is not enforced exactly as written; each is logged as a warning naming the policy. */
    private enum Adjustment {
        ALLOW_SKIPPED("allow rules skipped: invalid protocol or port"),
        DENY_WIDENED("deny rules with an invalid protocol or port enforced as deny of all traffic between their ends"),
        UNKNOWN_ACTION("rules with an action other than allow or deny enforced as deny"),
        PORT_SPLIT("rules with a port but no protocol enforced for both tcp and udp");

        final String message;

        Adjustment(String message) {
            this.message = message;
        }
    }

    /**
     * The adjusted rules of one policy, so a policy with many of them costs one warning per kind
     * per evaluation rather than one per rule. Created only when a policy has any.
     */
    private static final class Adjustments {
        private final Map<Adjustment, List<Integer>> indexes = new EnumMap<>(Adjustment.class);
        private final Map<Adjustment, Set<String>> protocols = new EnumMap<>(Adjustment.class);
        private final Map<Adjustment, Set<String>> actions = new EnumMap<>(Adjustment.class);

        static Adjustments note(Adjustments adjustments, Adjustment kind, int index, PolicyRule rule) {
            Adjustments into = adjustments == null ? new Adjustments() : adjustments;
            into.indexes.computeIfAbsent(kind, k -> new ArrayList<>()).add(index);
            into.protocols.computeIfAbsent(kind, k -> new TreeSet<>()).add(shown(rule.protocol()));
            into.actions.computeIfAbsent(kind, k -> new TreeSet<>()).add(shown(rule.action()));
            return into;
        }

        /** An empty field would print as nothing in a list; name it. */
        private static String shown(String value) {
            return value.isEmpty() ? "(none)" : value;
        }

        void log(String policyId) {
            indexes.forEach((kind, rules) -> PolicyEngine.log.atWarn()
                    .addKeyValue("policy_id", policyId)
                    .addKeyValue("rule_indexes", rules)
                    .addKeyValue("protocols", protocols.get(kind))
                    .addKeyValue("actions", actions.get(kind))
                    .log(kind.message));
        }
    }

    private static String resolve(String nodeId, Map<String, String> peersById) {
        if (PolicyRule.WILDCARD.equals(nodeId)) {
            return FirewallRule.ANY;
        }
        String ip = peersById == null ? null : peersById.get(nodeId);
        return ip == null ? "" : ip;
    }
}
