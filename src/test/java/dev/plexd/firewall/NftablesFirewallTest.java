package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link NftablesFirewall} against the real {@code nft} in a namespace of its own: what the kernel
 * holds after each operation, and the transactions sent. Traffic is {@link FirewallTrafficSuite}'s.
 */
@Privileged(tools = {"nft"})
class NftablesFirewallTest {

    private static final String CHAIN = "plexd-mesh";
    private static final String SET = "plexd-mesh-0-allow-ip-src-dst-proto-port";

    private NetNs ns;
    private Exec exec;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = NetNs.create("fw");
        exec = ns.exec();
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        ns.close();
    }

    private NftKernel kernel() throws Exception {
        Exec.Result result = exec.run("nft", "-j", "list", "table", "inet", "plexd");
        return result.ok() ? NftKernel.parse(result.stdout()) : NftKernel.ABSENT;
    }

    private static NftState desired(List<FirewallRule> rules) throws Exception {
        return NftRuleset.build(CHAIN, "pxf0", RuleCompiler.compile(CHAIN, rules).rules());
    }

    /** The kernel holds exactly the sets of {@code desired}, with their elements, and its chains with their hooks. */
    private void assertKernelHolds(NftState desired) throws Exception {
        NftKernel kernel = kernel();
        assertThat(kernel.sets()).isEqualTo(desired.sets());
        assertThat(kernel.chains().keySet()).containsExactlyInAnyOrderElementsOf(desired.chains().keySet());
        desired.chains().values().forEach(chain -> {
            assertThat(kernel.chains().get(chain.name()).hook()).isEqualTo(chain.hook());
            assertThat(kernel.chains().get(chain.name()).expressions()).hasSize(chain.rules().size());
        });
    }

    @Test
    void appliesTheRulesetAndTheSameRulesAgainSendNothing() throws Exception {
        NftablesFirewall firewall = new NftablesFirewall(exec);
        List<FirewallRule> rules = NftTransactionTest.rules(3, i -> 22);
        firewall.applyRules(CHAIN, rules);
        assertKernelHolds(desired(rules));
        assertThat(exec.run("nft", "list", "chain", "inet", "plexd", "plexd-mesh-forward").stdout())
                .contains("type filter hook forward priority filter; policy accept;")
                .contains("iifname \"pxf0\" jump plexd-mesh", "oifname \"pxf0\" jump plexd-mesh");
        assertThat(exec.run("nft", "list", "chain", "inet", "plexd", CHAIN).stdout())
                .contains("ct state established,related accept")
                .contains("@" + SET + " accept");

        firewall.applyRules(CHAIN, rules);
        assertThat(firewall.lastTransaction()).isEmpty();
        assertThat(firewall.stats().applies()).isEqualTo(2);
    }

    @Test
    void aRejectedTransactionLeavesThePreviousRulesetAndQuotesNft() throws Exception {
        NftablesFirewall firewall = new NftablesFirewall(exec);
        List<FirewallRule> rules = NftTransactionTest.rules(3, i -> 22);
        firewall.applyRules(CHAIN, rules);
        // Someone else's chain in the table uses plexd's set, so nft cannot delete the set.
        ns.sh("nft", "add chain inet plexd someone; add rule inet plexd someone ip saddr . ip daddr . meta l4proto . th dport @"
                + SET + " accept");

        List<FirewallRule> denyAll = List.of(new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        assertThatThrownBy(() -> firewall.applyRules(CHAIN, denyAll))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("nftables rejected the transaction for chain \"plexd-mesh\"")
                .hasMessageContaining("the previous rules stay in force")
                .hasMessageContaining("Device or resource busy");

        assertKernelHolds(withSomeone(desired(rules)));
        assertThat(firewall.stats().failures()).isEqualTo(1);
        // The in-memory state is still the previous one: the next good apply is incremental from it.
        firewall.applyRules(CHAIN, NftTransactionTest.rules(3, i -> i == 0 ? 23 : 22));
        assertThat(firewall.stats().lastTransactionElements()).isEqualTo(2);
    }

    @Test
    void anApplyRejectedBecauseOthersChangedTheTableIsRecomputedFromTheKernel() throws Exception {
        NftablesFirewall firewall = new NftablesFirewall(exec);
        firewall.applyRules(CHAIN, NftTransactionTest.rules(3, i -> 22));
        // The element the next change deletes is already gone: nft rejects "delete element".
        ns.sh("nft", "delete element inet plexd " + SET + " { 10.100.1.1 . 10.100.0.1 . tcp . 22 }");
        List<FirewallRule> changed = NftTransactionTest.rules(3, i -> i == 0 ? 2222 : 22);
        firewall.applyRules(CHAIN, changed);
        assertKernelHolds(desired(changed));
        assertThat(firewall.lastTransaction()).doesNotContain("delete element");
    }

    /** {@code state} as the kernel lists it while someone else's chain is in the table too. */
    private static NftState withSomeone(NftState state) {
        var chains = new java.util.LinkedHashMap<>(state.chains());
        chains.put("someone", new NftState.Chain("someone", null, List.of("x")));
        return new NftState(chains, state.sets());
    }

    @Test
    void driftMadeByOthersIsRepaired() throws Exception {
        NftablesFirewall firewall = new NftablesFirewall(exec);
        List<FirewallRule> rules = NftTransactionTest.rules(3, i -> 22);
        firewall.applyRules(CHAIN, rules);
        assertThat(firewall.repairDrift()).as("nothing changed yet").isFalse();

        ns.sh("nft", "delete element inet plexd " + SET + " { 10.100.1.1 . 10.100.0.1 . tcp . 22 }");
        ns.sh("nft", "add element inet plexd " + SET + " { 10.100.9.9 . 10.100.0.1 . tcp . 22 }");
        ns.sh("nft", "flush chain inet plexd plexd-mesh-input");
        ns.sh("nft", "insert rule inet plexd " + CHAIN + " accept");
        assertThat(firewall.repairDrift()).isTrue();
        assertKernelHolds(desired(rules));
        assertThat(exec.run("nft", "list", "chain", "inet", "plexd", CHAIN).stdout().lines().map(String::strip))
                .doesNotContain("accept");

        ns.sh("nft", "delete table inet plexd");
        assertThat(firewall.repairDrift()).isTrue();
        assertKernelHolds(desired(rules));
        assertThat(firewall.repairDrift()).isFalse();
        assertThat(firewall.stats().driftRepairs()).isEqualTo(2);
    }

    @Test
    void flushAndDeleteAreIdempotentAndTeardownLeavesNothing() throws Exception {
        NftablesFirewall firewall = new NftablesFirewall(exec);
        firewall.deleteChain(CHAIN);
        firewall.flushChain(CHAIN);
        assertThat(kernel().exists()).isFalse();

        firewall.ensureChain(CHAIN);
        firewall.ensureChain(CHAIN);
        assertThat(kernel().chains().keySet()).containsExactly(CHAIN);

        firewall.applyRules(CHAIN, NftTransactionTest.rules(3, i -> 22));
        firewall.flushChain(CHAIN);
        firewall.flushChain(CHAIN);
        assertThat(kernel().chains().keySet()).as("nothing jumps to a flushed chain").containsExactly(CHAIN);
        assertThat(kernel().chains().get(CHAIN).expressions()).isEmpty();
        assertThat(kernel().sets()).isEmpty();

        firewall.applyRules(CHAIN, NftTransactionTest.rules(3, i -> 22));
        firewall.deleteChain(CHAIN);
        firewall.deleteChain(CHAIN);
        assertThat(exec.run("nft", "list", "ruleset").stdout()).doesNotContain("plexd");
    }

    @Test
    void aRestartedDaemonAdoptsTheTableAndReplacesItInOneTransaction() throws Exception {
        List<FirewallRule> rules = NftTransactionTest.rules(1000, i -> 22);
        new NftablesFirewall(exec).applyRules(CHAIN, rules);

        NftablesFirewall restarted = new NftablesFirewall(exec);
        List<FirewallRule> changed = NftTransactionTest.rules(1000, i -> i == 7 ? 2222 : 22);
        restarted.applyRules(CHAIN, changed);
        String tx = restarted.lastTransaction();
        // The chains' rules are not known to the new process, so they are rewritten; the sets it
        // read back are kept and only the changed element moves. Nothing is deleted and re-created.
        assertThat(tx).doesNotContain("delete table", "delete chain", "delete set", "add set", "add chain");
        assertThat(restarted.stats().lastTransactionElements()).isEqualTo(2);
        assertThat(tx).contains("flush chain inet plexd " + CHAIN + "\n");
        assertKernelHolds(desired(changed));

        restarted.applyRules(CHAIN, changed);
        assertThat(restarted.lastTransaction()).as("once written, the chains are known").isEmpty();
    }
}
