package dev.plexd.firewall;

import dev.plexd.sys.Exec;
import dev.plexd.testing.Privileged;

@Privileged(tools = {"iptables-restore", "ip6tables-restore", "iptables-save", "ip6tables-save", "ping"})
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
}
