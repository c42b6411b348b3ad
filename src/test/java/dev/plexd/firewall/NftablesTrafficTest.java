package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Privileged(tools = {"nft", "ping"})
class NftablesTrafficTest extends FirewallTrafficSuite {

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
