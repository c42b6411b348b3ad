package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link IptablesFirewall} against the real iptables-restore in a namespace; traffic is {@link FirewallTrafficSuite}'s. */
@Privileged(tools = {"iptables-restore", "ip6tables-restore", "iptables-save", "ip6tables-save"})
class IptablesFirewallTest {

    private static final String CHAIN = "plexd-mesh";

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

    /** The table as the kernel has it, without the save tool's timestamped comment lines. */
    private String save(String tool) throws Exception {
        return exec.run(tool, "-t", "filter").orThrow().stdout().lines()
                .filter(line -> !line.startsWith("#"))
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    }

    private static List<FirewallRule> rules(int port) {
        List<FirewallRule> rules = new ArrayList<>();
        rules.add(new FirewallRule("pxf0", "10.100.0.2", "10.100.0.1", port, "tcp", "allow"));
        rules.add(new FirewallRule("pxf0", "fd00::2", "fd00::1", 22, "tcp", "allow"));
        rules.add(new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
        return rules;
    }

    @Test
    void writesOnlyFamiliesThatChangedAndNeverDuplicatesJumps() throws Exception {
        IptablesFirewall firewall = new IptablesFirewall(exec);
        firewall.applyRules(CHAIN, rules(22));
        assertThat(save("iptables-save")).contains("-A plexd-mesh -s 10.100.0.2/32 -d 10.100.0.1/32 -p tcp -m tcp --dport 22 -j RETURN");
        assertThat(save("ip6tables-save")).contains("-A plexd-mesh -s fd00::2/128 -d fd00::1/128 -p tcp -m tcp --dport 22 -j RETURN");

        firewall.applyRules(CHAIN, rules(22));
        assertThat(firewall.stats().lastTransactionBytes()).as("the same rules again write nothing").isZero();

        String v6 = save("ip6tables-save");
        firewall.applyRules(CHAIN, rules(2222));
        assertThat(firewall.stats().lastTransactionElements()).as("only the IPv4 policy chain is written")
                .isEqualTo(IptablesRuleset.policyRules(CHAIN, IptablesRuleset.Family.V4,
                        RuleCompiler.compile(CHAIN, rules(2222)).rules()).size());
        assertThat(save("ip6tables-save")).isEqualTo(v6);
        assertThat(save("iptables-save")).contains("--dport 2222").doesNotContain("--dport 22 ");

        // A restarted daemon adopts the chains: one jump per built-in chain, never two.
        new IptablesFirewall(exec).applyRules(CHAIN, rules(22));
        for (String tool : List.of("iptables-save", "ip6tables-save")) {
            String dump = save(tool);
            for (String builtIn : List.of("INPUT", "OUTPUT", "FORWARD")) {
                String jump = "-A " + builtIn + " -j " + IptablesRuleset.dispatch(CHAIN, builtIn) + "\n";
                assertThat(dump.split(java.util.regex.Pattern.quote(jump), -1)).as(tool + " " + builtIn).hasSize(2);
            }
        }
    }

    @Test
    void flushAndDeleteAreIdempotentAndTeardownLeavesNothing() throws Exception {
        IptablesFirewall firewall = new IptablesFirewall(exec);
        firewall.deleteChain(CHAIN);
        firewall.flushChain(CHAIN);
        firewall.ensureChain(CHAIN);
        firewall.ensureChain(CHAIN);
        assertThat(save("iptables-save")).contains(":plexd-mesh - [0:0]");

        firewall.applyRules(CHAIN, rules(22));
        firewall.flushChain(CHAIN);
        firewall.flushChain(CHAIN);
        assertThat(save("iptables-save")).contains(":plexd-mesh - [0:0]")
                .doesNotContain("-A plexd-mesh", "plexd-mesh-input");

        firewall.applyRules(CHAIN, rules(22));
        firewall.deleteChain(CHAIN);
        firewall.deleteChain(CHAIN);
        assertThat(save("iptables-save") + save("ip6tables-save")).doesNotContain("plexd");
    }

    @Test
    void aRejectedRestoreQuotesIptablesAndLeavesTheRulesInForce() throws Exception {
        IptablesFirewall firewall = new IptablesFirewall(exec);
        firewall.applyRules(CHAIN, rules(22));
        String before = save("iptables-save");
        // Someone else's rule jumps to plexd's chain, so iptables cannot delete it.
        ns.sh("iptables", "-N", "someone");
        ns.sh("iptables", "-A", "someone", "-j", CHAIN);
        assertThatThrownBy(() -> firewall.deleteChain(CHAIN))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("iptables-restore rejected the transaction for chain \"plexd-mesh\"")
                .hasMessageContaining("the previous iptables rules stay in force");
        assertThat(save("iptables-save")).contains(before.lines().filter(l -> l.startsWith("-A")).toList().toArray(String[]::new));
    }
}
