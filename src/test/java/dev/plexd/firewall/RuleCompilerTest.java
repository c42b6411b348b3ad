package dev.plexd.firewall;

import ch.qos.logback.classic.Level;
import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleCompilerTest {

    private static FirewallRule rule(String src, String dst, int port, String protocol, String action) {
        return new FirewallRule("pxf0", src, dst, port, protocol, action);
    }

    @Test
    void compilesRulesInOrderWithPositions() throws Exception {
        RuleCompiler.Compiled compiled = RuleCompiler.compile("plexd-mesh", List.of(
                rule("10.100.0.2", "10.100.0.1", 22, "tcp", "allow"),
                rule(FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny")));
        assertThat(compiled.iface()).isEqualTo("pxf0");
        assertThat(compiled.skipped()).isZero();
        assertThat(compiled.rules()).extracting(CompiledRule::toString).containsExactly(
                "#1 allow tcp port 22 from 10.100.0.2 to 10.100.0.1",
                "#2 deny any from any to any");
    }

    @Test
    void emptyAddressMatchesNothingSoTheRuleIsSkippedNotWidened() throws Exception {
        RuleCompiler.Compiled compiled;
        try (LogCapture logs = LogCapture.of(RuleCompiler.class)) {
            compiled = RuleCompiler.compile("plexd-mesh", List.of(
                    rule("", "10.100.0.1", 22, "tcp", "allow"),
                    rule("10.100.0.2", null, 0, "", "allow"),
                    rule("10.100.0.2", "fd00::1", 0, "", "allow"),
                    rule(FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny")));

            // One warning per apply, naming the chain, how many rules were dropped, and the first of
            // them with the reason: what an operator needs to find the unresolved peer's rule.
            assertThat(logs.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getFormattedMessage()).isEqualTo("firewall rules that can match no packet were skipped, not widened");
                assertThat(LogCapture.fields(event)).containsExactlyInAnyOrderEntriesOf(Map.of(
                        "chain", "plexd-mesh",
                        "skipped_rules", "3",
                        "first_skipped", "#1 FirewallRule[iface=pxf0, srcIp=, dstIp=10.100.0.1, port=22, protocol=tcp,"
                                + " action=allow]: empty source address (unknown peer)"));
            });
        }
        assertThat(compiled.skipped()).isEqualTo(3);
        assertThat(compiled.rules()).hasSize(1).first().extracting(CompiledRule::position).isEqualTo(4);
    }

    @Test
    void rulesThatCanAllMatchLogNoWarning() throws Exception {
        try (LogCapture logs = LogCapture.of(RuleCompiler.class)) {
            RuleCompiler.compile("plexd-mesh", List.of(rule("10.100.0.2", "10.100.0.1", 22, "tcp", "allow")));
            assertThat(logs.events()).isEmpty();
        }
    }

    @Test
    void anInvalidRuleFailsTheWholeListNamingItsPosition() {
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(
                rule("10.100.0.2", "10.100.0.1", 22, "tcp", "allow"),
                rule("10.100.0.2", "10.100.0.1", 70000, "tcp", "allow"))))
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("rule #2")
                .hasMessageContaining("policy: firewall rule: invalid port 70000")
                .hasMessageContaining("nothing was applied");
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(rule("10.100.0.2", "10.100.0.1", 0, "", "accept"))))
                .hasMessageContaining("invalid action \"accept\"");
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(rule("10.100.0.2; drop", "10.100.0.1", 0, "", "allow"))))
                .hasMessageContaining("rule #1").hasMessageContaining("invalid source address");
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(rule("10.100.0.2", "x", 0, "", "allow"))))
                .hasMessageContaining("invalid destination address");
    }

    @Test
    void interfaceMustBeAValidNameAndTheSameForEveryRule() {
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(
                new FirewallRule("pxf0\" accept", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"))))
                .hasMessageContaining("invalid interface name");
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(
                new FirewallRule("", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"))))
                .hasMessageContaining("invalid interface name \"\"");
        assertThatThrownBy(() -> RuleCompiler.compile("plexd-mesh", List.of(
                new FirewallRule("pxf0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"),
                new FirewallRule("pxf1", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"))))
                .hasMessageContaining("rule #2").hasMessageContaining("one mesh interface");
    }

    @Test
    void emptyListHasNoInterface() throws Exception {
        assertThat(RuleCompiler.compile("plexd-mesh", List.of()).iface()).isNull();
        assertThat(RuleCompiler.compile("plexd-mesh", null).rules()).isEmpty();
    }

    @Test
    void chainNamesAreChecked() {
        assertThatThrownBy(() -> RuleCompiler.validateChain("plexd mesh")).isInstanceOf(FirewallException.class)
                .hasMessageContaining("invalid chain name \"plexd mesh\"");
        assertThatThrownBy(() -> RuleCompiler.validateChain("a-chain-name-far-too-long")).isInstanceOf(FirewallException.class);
        assertThatThrownBy(() -> RuleCompiler.validateChain(null)).isInstanceOf(FirewallException.class);
    }
}
