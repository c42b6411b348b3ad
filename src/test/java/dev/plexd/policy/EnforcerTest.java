package dev.plexd.policy;

import ch.qos.logback.classic.Level;
import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import java.util.List;
import java.util.Map;

import static dev.plexd.testing.Fixtures.allow;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

class EnforcerTest {

    private final FirewallController firewall = mock(FirewallController.class);
    private final List<Peer> peers = List.of(peer("a", 2), peer("b", 3));
    private final List<Policy> policies = List.of(new Policy("p", List.of(allow("local", "a"))));
    private final Map<String, String> ips = Map.of("local", "10.100.0.1", "a", "10.100.0.2");

    @Test
    void enabledFiltersThroughTheEngine() {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh"));
        assertThat(enforcer.filterPeers(peers, policies, "local")).extracting(Peer::id).containsExactly("a");
    }

    @Test
    void disabledReturnsAllPeers() {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(false, "plexd-mesh"));
        assertThat(enforcer.filterPeers(peers, List.of(), "local")).isEqualTo(peers);
    }

    @Test
    void disabledApplyIsANoOp() throws Exception {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(false, "plexd-mesh"));
        enforcer.applyFirewallRules(policies, "local", "plexd0", ips);
        verifyNoInteractions(firewall);
    }

    @Test
    void nilFirewallApplyIsANoOpWithAWarningAndFilteringStillWorks() {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), null, new Config(true, "plexd-mesh"));
        try (LogCapture logs = LogCapture.of(Enforcer.class)) {
            assertThatCode(() -> enforcer.applyFirewallRules(policies, "local", "plexd0", ips)).doesNotThrowAnyException();
            assertThat(logs.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getFormattedMessage()).contains("no firewall controller", "not applied");
                assertThat(LogCapture.fields(event)).containsEntry("chain", "plexd-mesh")
                        .containsEntry("interface", "plexd0").containsEntry("policies", "1");
            });
        }
        assertThat(enforcer.filterPeers(peers, policies, "local")).extracting(Peer::id).containsExactly("a");
    }

    @Test
    void disabledApplyLogsNoWarning() throws Exception {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), null, new Config(false, "plexd-mesh"));
        try (LogCapture logs = LogCapture.of(Enforcer.class)) {
            enforcer.applyFirewallRules(policies, "local", "plexd0", ips);
            assertThat(logs.events()).isEmpty();
        }
    }

    @Test
    void constructorAppliesDefaults() throws Exception {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(false, null));
        assertThat(enforcer.config()).isEqualTo(new Config(true, "plexd-mesh"));
        enforcer.applyFirewallRules(policies, "local", "plexd0", ips);
        verify(firewall).ensureChain("plexd-mesh");
    }

    @Test
    void successfulApplyEnsuresTheChainOnceThenAppliesRulesOnce() throws Exception {
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh"));
        enforcer.applyFirewallRules(policies, "local", "plexd0", ips);
        InOrder order = inOrder(firewall);
        order.verify(firewall, times(1)).ensureChain("plexd-mesh");
        order.verify(firewall, times(1)).applyRules(eq("plexd-mesh"), eq(List.of(
                new FirewallRule("plexd0", "10.100.0.1", "10.100.0.2", 0, "", "allow"),
                new FirewallRule("plexd0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"))));
    }

    @Test
    void ensureChainErrorIsWrappedWithEnforcePrefixAndKeepsTheCause() throws Exception {
        FirewallException cause = new FirewallException("nft: permission denied");
        doThrow(cause).when(firewall).ensureChain(anyString());
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh"));
        assertThatThrownBy(() -> enforcer.applyFirewallRules(policies, "local", "plexd0", ips))
                .isInstanceOf(PolicyException.class)
                .hasMessage("policy: enforce: nft: permission denied")
                .hasCause(cause);
        verify(firewall, never()).applyRules(anyString(), anyList());
    }

    @Test
    void applyRulesErrorIsWrappedWithEnforcePrefix() throws Exception {
        FirewallException cause = new FirewallException("transaction rejected");
        doThrow(cause).when(firewall).applyRules(anyString(), any());
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh"));
        assertThatThrownBy(() -> enforcer.applyFirewallRules(policies, "local", "plexd0", ips))
                .isInstanceOf(PolicyException.class)
                .hasMessage("policy: enforce: transaction rejected")
                .hasCause(cause);
    }

    @Test
    void teardownFlushesThenDeletesTheChain() throws Exception {
        new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh")).teardown();
        InOrder order = inOrder(firewall);
        order.verify(firewall).flushChain("plexd-mesh");
        order.verify(firewall).deleteChain("plexd-mesh");
    }

    @Test
    void teardownWithNilFirewallIsANoOp() {
        assertThatCode(() -> new Enforcer(new PolicyEngine(), null, new Config(true, "plexd-mesh")).teardown())
                .doesNotThrowAnyException();
    }

    @Test
    void teardownWhenDisabledStillRemovesTheChain() throws Exception {
        new Enforcer(new PolicyEngine(), firewall, new Config(false, "plexd-mesh")).teardown();
        verify(firewall).deleteChain("plexd-mesh");
    }

    @Test
    void teardownFlushErrorSkipsDeleteAndIsPrefixed() throws Exception {
        FirewallException cause = new FirewallException("flush failed");
        doThrow(cause).when(firewall).flushChain(anyString());
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh"));
        assertThatThrownBy(enforcer::teardown)
                .isInstanceOf(PolicyException.class)
                .hasMessage("policy: teardown: flush failed")
                .hasCause(cause);
        verify(firewall, never()).deleteChain(anyString());
    }
}
