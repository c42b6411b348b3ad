package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Privileged(tools = {"nft", "ping"})
class NftablesTrafficTest extends FirewallTrafficSuite {

    private static final String SET = "plexd-mesh-0-allow-ip-src-dst-proto-port";

    @Override
    ManagedFirewall firewall(Exec node) {
        return new NftablesFirewall(node);
    }

    @Override
    String dumpKernel(Exec node) throws Exception {
        return node.run("nft", "list", "ruleset").orThrow().stdout();
    }

    @Override
    void breakEnforcement(Exec node) throws Exception {
        node.run("nft", "flush", "chain", "inet", "plexd", CHAIN + "-input").orThrow();
    }

    /**
     * The transaction sent moves U's one element and nothing else, and listing the kernel before and
     * after shows the same: every chain's rules identical, every set identical but for that element.
     */
    @Override
    void applyOnePolicyChange(List<FirewallRule> changed) throws Exception {
        NftKernel before = kernel();
        NftablesFirewall nft = (NftablesFirewall) firewall;
        nft.applyRules(CHAIN, changed);

        assertThat(nft.lastTransaction()).isEqualTo("""
                delete element inet plexd %1$s {
                \t10.100.0.3 . 10.100.0.1 . tcp . 8081
                }
                add table inet plexd
                add element inet plexd %1$s {
                \t10.100.0.3 . 10.100.0.1 . tcp . 8080
                }
                """.formatted(SET));
        assertThat(nft.stats().lastTransactionElements()).isEqualTo(2);

        NftKernel after = kernel();
        assertThat(after.chains()).as("no chain or rule changed").isEqualTo(before.chains());
        assertThat(after.sets().keySet()).isEqualTo(before.sets().keySet());
        assertThat(before.sets().get(SET).elements()).hasSizeGreaterThan(1000);
        for (String set : before.sets().keySet()) {
            Set<String> removed = new HashSet<>(before.sets().get(set).elements());
            removed.removeAll(after.sets().get(set).elements());
            Set<String> added = new HashSet<>(after.sets().get(set).elements());
            added.removeAll(before.sets().get(set).elements());
            if (set.equals(SET)) {
                assertThat(removed).containsExactly("10.100.0.3 . 10.100.0.1 . tcp . 8081");
                assertThat(added).containsExactly("10.100.0.3 . 10.100.0.1 . tcp . 8080");
            } else {
                assertThat(removed).as(set).isEmpty();
                assertThat(added).as(set).isEmpty();
            }
        }
    }

    private NftKernel kernel() throws Exception {
        return NftKernel.parse(mesh.nodeExec().run("nft", "-j", "list", "table", "inet", "plexd").orThrow().stdout());
    }

    @Test
    void aTransactionNftRejectsLeavesThePreviousRulesEnforcingExactlyAsBefore() throws Exception {
        firewall.applyRules(CHAIN, nodeRules(List.of()));
        // Someone else's chain uses plexd's set, so a ruleset without that set cannot be committed.
        mesh.nodeExec().run("nft", "add chain inet plexd someone; add rule inet plexd someone"
                + " ip saddr . ip daddr . meta l4proto . th dport @plexd-mesh-0-allow-ip-src-dst-proto-port accept").orThrow();
        List<FirewallRule> allowAll = List.of(new FirewallRule(MeshTopology.MESH, FirewallRule.ANY, FirewallRule.ANY, 0, "", "allow"));
        assertThatThrownBy(() -> firewall.applyRules(CHAIN, allowAll))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("the previous rules stay in force")
                .hasMessageContaining("Device or resource busy");
        assertThat(mesh.run(policyChecks())).isEmpty();
    }
}
