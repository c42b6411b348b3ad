package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After many incremental applies through {@link NftablesFirewall} (which reuses its previous
 * build, {@link NftRulesetCache}), every transaction is the one a full comparison of fresh builds
 * gives, and the kernel holds exactly what a fresh firewall applying the final list into an empty
 * namespace installs.
 */
@Privileged(tools = {"nft"})
class NftIncrementalApplyTest {

    private static final String CHAIN = "plexd-mesh";

    @Test
    void manyChangesLeaveTheKernelExactlyAsAFreshFullApply() throws Exception {
        Random random = new Random(23);
        List<FirewallRule> rules = FirewallBench.rules(300, 3, -1, 0);
        try (NetNs incremental = NetNs.create("fi"); NetNs fresh = NetNs.create("ff")) {
            NftablesFirewall firewall = new NftablesFirewall(incremental.exec());
            firewall.applyRules(CHAIN, rules);
            NftState previous = build(rules);
            for (int step = 0; step < 40; step++) {
                rules = change(random, rules);
                firewall.applyRules(CHAIN, rules);
                NftState desired = build(rules);
                assertThat(firewall.lastTransaction()).as("step %d", step)
                        .isEqualTo(NftTransaction.between(previous, desired).script());
                previous = desired;
            }

            new NftablesFirewall(fresh.exec()).applyRules(CHAIN, rules);
            NftKernel got = kernel(incremental.exec());
            NftKernel want = kernel(fresh.exec());
            assertThat(got.sets()).isEqualTo(want.sets()).isEqualTo(previous.sets());
            assertThat(got.chains().keySet()).isEqualTo(want.chains().keySet());
            want.chains().forEach((name, chain) -> {
                assertThat(got.chains().get(name).hook()).isEqualTo(chain.hook());
                assertThat(got.chains().get(name).expressions()).as(name).isEqualTo(chain.expressions());
            });
        }
    }

    /** A policy change: one peer's port, a rule duplicated or removed, or a deny inserted before a peer. */
    private static List<FirewallRule> change(Random random, List<FirewallRule> rules) {
        List<FirewallRule> next = new ArrayList<>(rules);
        int at = random.nextInt(next.size() - 1);
        FirewallRule rule = next.get(at);
        switch (random.nextInt(4)) {
            case 0 -> next.set(at, new FirewallRule(rule.iface(), rule.srcIp(), rule.dstIp(),
                    rule.port() == 0 ? 0 : 2000 + random.nextInt(50), rule.protocol(), rule.action()));
            case 1 -> next.add(at, next.get(random.nextInt(next.size() - 1)));
            case 2 -> next.remove(at);
            default -> next.add(at, new FirewallRule(rule.iface(), rule.srcIp(), FirewallRule.ANY, 22, "tcp", "deny"));
        }
        return next;
    }

    private static NftState build(List<FirewallRule> rules) throws Exception {
        return NftRuleset.build(CHAIN, "pxfb0", RuleCompiler.compile(CHAIN, rules).rules());
    }

    private static NftKernel kernel(Exec exec) throws Exception {
        return NftKernel.parse(exec.run("nft", "-j", "list", "table", "inet", "plexd").orThrow().stdout());
    }
}
