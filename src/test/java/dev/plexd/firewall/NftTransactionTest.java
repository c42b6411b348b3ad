package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class NftTransactionTest {

    private static final String CHAIN = "plexd-mesh";
    private static final String NODE = "10.100.0.1";
    private static final String SET = "plexd-mesh-0-allow-ip-src-dst-proto-port";

    /** A node's rules with {@code peers} peers, each allowed tcp {@code port(i)} and udp 53, one peer denied everything. */
    static List<FirewallRule> rules(int peers, java.util.function.IntUnaryOperator port) {
        List<FirewallRule> rules = new ArrayList<>();
        rules.add(new FirewallRule("pxf0", "10.100.0.3", FirewallRule.ANY, 0, "", "deny"));
        for (int i = 0; i < peers; i++) {
            String peer = peer(i);
            rules.add(new FirewallRule("pxf0", peer, NODE, port.applyAsInt(i), "tcp", "allow"));
            rules.add(new FirewallRule("pxf0", peer, NODE, 53, "udp", "allow"));
        }
        rules.add(new FirewallRule("pxf0", FirewallRule.ANY, NODE, 443, "tcp", "allow"));
        rules.add(new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        return rules;
    }

    static String peer(int i) {
        return "10.100." + (i / 250 + 1) + "." + (i % 250 + 1);
    }

    private static NftState build(List<FirewallRule> rules) throws Exception {
        return NftRuleset.build(CHAIN, "pxf0", RuleCompiler.compile(CHAIN, rules).rules());
    }

    @Test
    void firstApplyCreatesEverythingInOneScript() throws Exception {
        NftState desired = build(rules(3, i -> 22));
        NftTransaction tx = NftTransaction.between(NftState.EMPTY, desired);
        // 3 peers × (tcp, udp), the denied peer, the wildcard https rule.
        assertThat(tx.elementsAdded()).isEqualTo(8);
        assertThat(tx.elementsDeleted()).isZero();
        assertThat(tx.chainsWritten()).containsExactlyInAnyOrder(CHAIN, "plexd-mesh-input", "plexd-mesh-output", "plexd-mesh-forward");
        assertThat(tx.script()).startsWith("add table inet plexd\n")
                .contains("add chain inet plexd plexd-mesh\n")
                .contains("add chain inet plexd plexd-mesh-input { type filter hook input priority 0; policy accept; }\n")
                .contains("add set inet plexd " + SET + " { type ipv4_addr . ipv4_addr . inet_proto . inet_service; }\n")
                .contains("add element inet plexd " + SET + " {\n\t10.100.1.1 . 10.100.0.1 . tcp . 22,\n")
                .contains("add rule inet plexd plexd-mesh drop\n")
                .endsWith("add rule inet plexd plexd-mesh-forward oifname \"pxf0\" jump plexd-mesh\n");
        // Sets exist before the rules that use them.
        assertThat(tx.script().indexOf("add set")).isLessThan(tx.script().indexOf("add rule"));
    }

    @Test
    void changingOnePolicyAtAThousandPeersSendsOnlyTheTwoElementsThatChanged() throws Exception {
        NftState before = build(rules(1000, i -> 22));
        NftState after = build(rules(1000, i -> i == 500 ? 2222 : 22));
        NftTransaction tx = NftTransaction.between(before, after);
        assertThat(tx.script()).isEqualTo("""
                delete element inet plexd plexd-mesh-0-allow-ip-src-dst-proto-port {
                \t10.100.3.1 . 10.100.0.1 . tcp . 22
                }
                add table inet plexd
                add element inet plexd plexd-mesh-0-allow-ip-src-dst-proto-port {
                \t10.100.3.1 . 10.100.0.1 . tcp . 2222
                }
                """);
        assertThat(tx.elements()).isEqualTo(2);
        assertThat(tx.chainsWritten()).isEmpty();
    }

    @Test
    void theSameRulesAgainSendNothing() throws Exception {
        NftTransaction tx = NftTransaction.between(build(rules(100, i -> 22)), build(rules(100, i -> 22)));
        assertThat(tx.isEmpty()).isTrue();
        assertThat(tx.elements()).isZero();
    }

    @Test
    void aNewMatchShapeAddsASetAndRewritesOnlyThePolicyChain() throws Exception {
        List<FirewallRule> more = new ArrayList<>(rules(10, i -> 22));
        more.add(more.size() - 1, new FirewallRule("pxf0", "fd00::2", FirewallRule.ANY, 0, "", "allow"));
        NftTransaction tx = NftTransaction.between(build(rules(10, i -> 22)), build(more));
        assertThat(tx.chainsWritten()).containsExactly(CHAIN);
        assertThat(tx.script()).startsWith("flush chain inet plexd plexd-mesh\nadd table inet plexd\n")
                .contains("add set inet plexd plexd-mesh-0-allow-ip6-src { type ipv6_addr; }\n")
                .contains("add element inet plexd plexd-mesh-0-allow-ip6-src {\n\tfd00::2\n}\n")
                .doesNotContain("plexd-mesh-input")
                .doesNotContain("add element inet plexd " + SET);
        assertThat(tx.elementsAdded()).isEqualTo(1);
    }

    @Test
    void aSetNoLongerNeededIsDeletedAfterTheChainStopsUsingIt() throws Exception {
        List<FirewallRule> denyAll = List.of(new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        NftTransaction tx = NftTransaction.between(build(rules(10, i -> 22)), build(denyAll));
        String script = tx.script();
        assertThat(script.indexOf("flush chain inet plexd plexd-mesh\n")).isLessThan(script.indexOf("delete set inet plexd " + SET));
        assertThat(tx.elementsDeleted()).as("a deleted set takes its elements along").isZero();
        assertThat(script).doesNotContain("delete element");
    }

    @Test
    void unknownChainsAreRewrittenAndARetypedSetIsRecreatedWithTheChainsUsingIt() throws Exception {
        NftState desired = build(rules(2, i -> 22));
        Map<String, NftState.Chain> chains = new LinkedHashMap<>(desired.chains());
        chains.put("plexd-mesh-input", new NftState.Chain("plexd-mesh-input", NftState.Hook.filter("input"), null));
        Map<String, NftState.NftSet> sets = new LinkedHashMap<>(desired.sets());
        sets.put(SET, new NftState.NftSet(SET, "ipv4_addr", Set.of("10.100.1.1")));
        NftTransaction tx = NftTransaction.between(new NftState(chains, sets), desired);
        assertThat(tx.chainsWritten()).containsExactlyInAnyOrder(CHAIN, "plexd-mesh-input");
        assertThat(tx.script()).contains("flush chain inet plexd plexd-mesh-input\n")
                .contains("delete set inet plexd " + SET + "\n")
                .contains("add set inet plexd " + SET + " { type ipv4_addr . ipv4_addr . inet_proto . inet_service; }\n");
        assertThat(tx.elementsAdded()).as("all elements of the recreated set").isEqualTo(4);
    }

    @Test
    void aBaseChainWithAnotherHookIsRecreated() throws Exception {
        NftState desired = build(rules(1, i -> 22));
        Map<String, NftState.Chain> chains = new LinkedHashMap<>(desired.chains());
        NftState.Chain input = chains.get("plexd-mesh-input");
        chains.put(input.name(), new NftState.Chain(input.name(), new NftState.Hook("filter", "input", 0, "drop"), input.rules()));
        NftTransaction tx = NftTransaction.between(new NftState(chains, desired.sets()), desired);
        assertThat(tx.script()).isEqualTo("""
                flush chain inet plexd plexd-mesh-input
                delete chain inet plexd plexd-mesh-input
                add table inet plexd
                add chain inet plexd plexd-mesh-input { type filter hook input priority 0; policy accept; }
                add rule inet plexd plexd-mesh-input iifname "pxf0" jump plexd-mesh
                """);
    }

    @Test
    void removingEverythingFlushesBeforeDeletingAndAddsNothing() throws Exception {
        NftTransaction tx = NftTransaction.between(build(rules(3, i -> 22)), NftState.EMPTY);
        String script = tx.script();
        assertThat(script).doesNotContain("add ");
        assertThat(script.lastIndexOf("flush chain")).isLessThan(script.indexOf("delete chain"));
        assertThat(script.lastIndexOf("delete chain")).isLessThan(script.indexOf("delete set"));
        assertThat(script).contains("delete chain inet plexd plexd-mesh\n", "delete chain inet plexd plexd-mesh-forward\n");
    }
}
