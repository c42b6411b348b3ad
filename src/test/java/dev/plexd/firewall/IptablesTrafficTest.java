package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Privileged(tools = {"iptables-restore", "ip6tables-restore", "iptables-save", "ip6tables-save", "nft", "ping"})
class IptablesTrafficTest extends FirewallTrafficSuite {

    @Override
    ManagedFirewall firewall(Exec node) {
        return new IptablesFirewall(node);
    }

    @Override
    String dumpKernel(Exec node) throws Exception {
        return node.run("iptables-save").orThrow().stdout() + node.run("ip6tables-save").orThrow().stdout();
    }

    @Override
    void breakEnforcement(Exec node) throws Exception {
        node.run("iptables", "-F", CHAIN + "-input").orThrow();
    }

    @Test
    void whenIpv6IsRejectedTheIpv4RulesAlreadyWrittenAreRolledBack() throws Exception {
        firewall.applyRules(CHAIN, nodeRules(List.of()));
        // iptables-nft cannot insert into an INPUT that is a regular chain: ip6tables-restore fails
        // after iptables-restore succeeded.
        mesh.nodeExec().run("nft", "delete table ip6 filter; add table ip6 filter; add chain ip6 filter INPUT").orThrow();
        List<FirewallRule> allowAll = List.of(new FirewallRule(MeshTopology.MESH, FirewallRule.ANY, FirewallRule.ANY, 0, "", "allow"));
        assertThatThrownBy(() -> firewall.applyRules(CHAIN, allowAll))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("ip6tables-restore rejected the transaction")
                .hasMessageContaining("Operation not supported")
                .hasMessageContaining("iptables rules restored to the previous ones");
        assertThat(mesh.run(policyChecks().stream().filter(c -> c.what().startsWith("v4 ")).toList()))
                .as("IPv4 enforces the previous rules exactly").isEmpty();
    }
}
