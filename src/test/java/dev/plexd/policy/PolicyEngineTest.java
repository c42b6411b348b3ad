package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import ch.qos.logback.classic.Level;
import dev.plexd.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.plexd.testing.Fixtures.allow;
import static dev.plexd.testing.Fixtures.deny;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;

class PolicyEngineTest {

    private final PolicyEngine engine = new PolicyEngine();
    private final List<Peer> peers = List.of(peer("local", 1), peer("a", 2), peer("b", 3), peer("c", 4));

    private static List<String> ids(List<Peer> peers) {
        return peers.stream().map(Peer::id).toList();
    }

    private static Policy policy(PolicyRule... rules) {
        return new Policy("p1", List.of(rules));
    }

    @Nested
    class FilterPeers {

        @Test
        void noPoliciesMeansNoPeers() {
            assertThat(engine.filterPeers(peers, null, "local")).isEmpty();
        }

        @Test
        void emptyPoliciesMeanNoPeers() {
            assertThat(engine.filterPeers(peers, List.of(), "local")).isEmpty();
            assertThat(engine.filterPeers(peers, List.of(new Policy("empty", List.of())), "local")).isEmpty();
        }

        @Test
        void specificAllowReturnsOnlyThatPeer() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("local", "a"))), "local"))).containsExactly("a");
        }

        @Test
        void wildcardDestinationReturnsEveryPeer() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("local", "*"))), "local")))
                    .containsExactly("a", "b", "c");
        }

        @Test
        void wildcardSourceTowardsAPeerMakesThatPeerVisible() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("*", "b"))), "local"))).containsExactly("b");
        }

        @Test
        void wildcardSourceTowardsLocalMakesEveryPeerVisible() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("*", "local"))), "local")))
                    .containsExactly("a", "b", "c");
        }

        @Test
        void bothWildcardsMakeEveryPeerVisible() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("*", "*"))), "local")))
                    .containsExactly("a", "b", "c");
        }

        @Test
        void denyOnlyRulesGrantNothing() {
            assertThat(engine.filterPeers(peers, List.of(policy(deny("local", "a"), deny("*", "*"))), "local")).isEmpty();
        }

        @Test
        void reverseDirectionAllowMakesThePeerVisible() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("a", "local"))), "local"))).containsExactly("a");
        }

        @Test
        void rulesBetweenOtherNodesAreIgnored() {
            assertThat(engine.filterPeers(peers, List.of(policy(allow("a", "b"))), "local")).isEmpty();
        }

        @Test
        void localNodeIsNeverReturned() {
            assertThat(ids(engine.filterPeers(peers, List.of(policy(allow("local", "local"), allow("*", "*"))), "local")))
                    .doesNotContain("local");
        }

        @Test
        void peersKeepTheirInputOrder() {
            List<Policy> policies = List.of(policy(allow("local", "c"), allow("local", "a")));
            assertThat(ids(engine.filterPeers(peers, policies, "local"))).containsExactly("a", "c");
        }
    }

    @Nested
    class BuildFirewallRules {

        private final Map<String, String> ips = Map.of("local", "10.100.0.1", "a", "10.100.0.2", "b", "10.100.0.3");
        private final LogCapture logs = LogCapture.of(PolicyEngine.class);

        @AfterEach
        void stopCapturing() {
            logs.close();
        }

        @Test
        void basicRuleResolvesBothAddresses() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("a", "local", 22, "tcp"))), "local", "plexd0", ips);
            assertThat(rules.getFirst()).isEqualTo(new FirewallRule("plexd0", "10.100.0.2", "10.100.0.1", 22, "tcp", "allow"));
        }

        @Test
        void wildcardSourceBecomesAnyAddress() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("*", "local", 443, "tcp"))), "local", "plexd0", ips);
            assertThat(rules.getFirst()).isEqualTo(new FirewallRule("plexd0", "0.0.0.0/0", "10.100.0.1", 443, "tcp", "allow"));
        }

        @Test
        void rulesNotInvolvingTheLocalNodeAreSkipped() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("a", "b", 80, "tcp"))), "local", "plexd0", ips);
            assertThat(rules).hasSize(1);
        }

        @Test
        void defaultDenyIsAppendedLast() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("a", "local", 22, "tcp"), allow("local", "b"))), "local", "plexd0", ips);
            assertThat(rules).hasSize(3);
            assertThat(rules.getLast()).isEqualTo(new FirewallRule("plexd0", "0.0.0.0/0", "0.0.0.0/0", 0, "", "deny"));
        }

        @Test
        void noPoliciesYieldOnlyTheDefaultDeny() {
            assertThat(engine.buildFirewallRules(null, "local", "plexd0", ips))
                    .containsExactly(new FirewallRule("plexd0", "0.0.0.0/0", "0.0.0.0/0", 0, "", "deny"));
        }

        @Test
        void allowRuleWithInvalidProtocolIsSkippedWithAWarning() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("a", "local", 0, "icmp"), allow("a", "local", 22, "tcp"))), "local", "plexd0", ips);
            assertThat(rules).extracting(FirewallRule::protocol).containsExactly("tcp", "");
            assertSingleWarning("allow rules skipped", "[0]", "[icmp]", "[allow]");
        }

        @Test
        void everySkippedRuleOfAPolicyIsNamedInOneWarning() {
            engine.buildFirewallRules(List.of(policy(allow("a", "local", 0, "icmp"), allow("a", "local", 22, "tcp"),
                    allow("b", "local", 0, "sctp"))), "local", "plexd0", ips);
            assertSingleWarning("allow rules skipped", "[0, 2]", "[icmp, sctp]", "[allow]");
        }

        @Test
        void validRulesLogNoWarning() {
            engine.buildFirewallRules(List.of(policy(allow("a", "local", 22, "tcp"), deny("b", "local"))), "local", "plexd0", ips);
            assertThat(logs.events()).isEmpty();
        }

        @Test
        void uppercaseProtocolIsInvalidAndSkipped() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("a", "local", 22, "TCP"))), "local", "plexd0", ips);
            assertThat(rules).hasSize(1);
        }

        @Test
        void bothWildcardsProduceAnyToAny() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(policy(allow("*", "*"))), "local", "plexd0", ips);
            assertThat(rules.getFirst()).isEqualTo(new FirewallRule("plexd0", "0.0.0.0/0", "0.0.0.0/0", 0, "", "allow"));
        }

        @Test
        void unknownPeerProducesEmptyAddress() {
            List<FirewallRule> rules = engine.buildFirewallRules(
                    List.of(policy(allow("ghost", "local", 22, "tcp"))), "local", "plexd0", ips);
            assertThat(rules.getFirst().srcIp()).isEmpty();
            assertThat(rules.getFirst().dstIp()).isEqualTo("10.100.0.1");
        }

        @Test
        void policyOrderIsKept() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(
                    new Policy("first", List.of(deny("a", "local"))),
                    new Policy("second", List.of(allow("a", "local")))), "local", "plexd0", ips);
            assertThat(rules).extracting(FirewallRule::action).containsExactly("deny", "allow", "deny");
        }

        @Test
        void everyGeneratedRuleIsValid() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(policy(
                    allow("a", "local", 22, "tcp"), deny("*", "local"), new PolicyRule("a", "local", 53, "udp", "allow"),
                    new PolicyRule("b", "local", 80, "", "allow"), new PolicyRule("b", "local", 0, "sctp", "deny"),
                    new PolicyRule("b", "local", 70000, "tcp", "deny"), new PolicyRule("b", "local", 0, "", "reject"))),
                    "local", "plexd0", ips);
            rules.forEach(FirewallRule::validate);
        }

        // Beyond the spec: rules the firewall cannot express as written never widen access.

        @Test
        void denyRuleWithInvalidProtocolDeniesEverythingBetweenItsEndsWithAWarning() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(policy(
                    new PolicyRule("a", "local", 22, "sctp", "deny"), allow("a", "local"))), "local", "plexd0", ips);
            assertThat(rules.getFirst()).isEqualTo(new FirewallRule("plexd0", "10.100.0.2", "10.100.0.1", 0, "", "deny"));
            assertSingleWarning("deny of all traffic between their ends", "[0]", "[sctp]", "[deny]");
        }

        @Test
        void unknownActionIsTreatedAsDenyWithAWarning() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(policy(
                    allow("b", "local"), new PolicyRule("a", "local", 0, "", "reject"))), "local", "plexd0", ips);
            assertThat(rules.get(1).action()).isEqualTo("deny");
            assertSingleWarning("action other than allow or deny enforced as deny", "[1]", "[(none)]", "[reject]");
        }

        @Test
        void portWithoutProtocolMeansTcpAndUdpWithAWarning() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(policy(
                    new PolicyRule("a", "local", 8080, "", "allow"))), "local", "plexd0", ips);
            assertThat(rules.subList(0, 2)).containsExactly(
                    new FirewallRule("plexd0", "10.100.0.2", "10.100.0.1", 8080, "tcp", "allow"),
                    new FirewallRule("plexd0", "10.100.0.2", "10.100.0.1", 8080, "udp", "allow"));
            assertSingleWarning("port but no protocol enforced for both tcp and udp", "[0]", "[(none)]", "[allow]");
        }

        @Test
        void allowRuleWithPortOutOfRangeIsSkippedWithAWarning() {
            List<FirewallRule> rules = engine.buildFirewallRules(List.of(policy(
                    new PolicyRule("a", "local", 65536, "tcp", "allow"))), "local", "plexd0", ips);
            assertThat(rules).hasSize(1);
            assertSingleWarning("allow rules skipped", "[0]", "[tcp]", "[allow]");
        }

        @Test
        void aRuleAdjustedTwiceIsNamedInBothWarnings() {
            engine.buildFirewallRules(List.of(policy(new PolicyRule("a", "local", 0, "icmp", "block"))), "local", "plexd0", ips);
            assertThat(logs.events()).allSatisfy(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(LogCapture.fields(event)).containsEntry("policy_id", "p1").containsEntry("rule_indexes", "[0]");
            });
            assertThat(logs.messages(Level.WARN)).hasSize(2)
                    .anySatisfy(m -> assertThat(m).contains("enforced as deny"))
                    .anySatisfy(m -> assertThat(m).contains("deny of all traffic between their ends"));
        }

        /** Exactly one event was logged: a WARN whose message and fields name the policy and the rules. */
        private void assertSingleWarning(String message, String ruleIndexes, String protocols, String actions) {
            assertThat(logs.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getFormattedMessage()).contains(message);
                assertThat(LogCapture.fields(event))
                        .containsEntry("policy_id", "p1")
                        .containsEntry("rule_indexes", ruleIndexes)
                        .containsEntry("protocols", protocols)
                        .containsEntry("actions", actions);
            });
        }
    }
}
