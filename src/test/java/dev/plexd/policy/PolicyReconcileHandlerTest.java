package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.StateDiff;
import dev.plexd.testing.InMemoryWireGuard;
import dev.plexd.wireguard.WireGuardManager;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.plexd.testing.Fixtures.allow;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

class PolicyReconcileHandlerTest {

    private static final String IFACE = "plexd0";

    private final InMemoryWireGuard wg = new InMemoryWireGuard();
    private final FirewallController firewall = mock(FirewallController.class);
    private final PolicyReconcileHandler handler = new PolicyReconcileHandler(
            new Enforcer(new PolicyEngine(), firewall, new Config(true, "plexd-mesh")),
            new WireGuardManager(wg, IFACE), "local", "10.100.0.1", IFACE);

    private final Peer a = peer("a", 2);
    private final Peer b = peer("b", 3);
    private StateResponse applied;

    /** Runs the handler the way the reconciler does: with the diff against the last applied state. */
    private void cycle(StateResponse desired) throws Exception {
        handler.reconcile(desired, StateDiff.compute(desired, applied));
        applied = desired;
    }

    private static StateResponse state(List<Peer> peers, Policy... policies) {
        return StateResponse.of(peers, List.of(policies));
    }

    @Test
    void policyChangeAddsTheNewlyAllowedPeer() throws Exception {
        cycle(state(List.of(a, b), new Policy("p", List.of(allow("local", "a")))));
        assertThat(wg.peerKeys(IFACE)).containsExactly(a.publicKey());

        cycle(state(List.of(a, b), new Policy("p", List.of(allow("local", "a"), allow("local", "b")))));
        assertThat(wg.peerKeys(IFACE)).containsExactlyInAnyOrder(a.publicKey(), b.publicKey());
        assertThat(handler.allowedPeerIds()).containsExactly("a", "b");
    }

    @Test
    void peerChangeWithoutVisibilityChangeAddsNothing() throws Exception {
        Policy policy = new Policy("p", List.of(allow("local", "a")));
        cycle(state(List.of(a), policy));
        int before = wg.operations().size();

        cycle(state(List.of(a, b), policy));
        assertThat(wg.operations()).hasSize(before);
        assertThat(wg.peerKeys(IFACE)).containsExactly(a.publicKey());
    }

    @Test
    void emptyDiffDoesNothing() throws Exception {
        StateResponse desired = state(List.of(a), new Policy("p", List.of(allow("local", "a"))));
        handler.reconcile(desired, StateDiff.EMPTY);
        assertThat(wg.operations()).isEmpty();
        verify(firewall, never()).applyRules(anyString(), any());
    }

    @Test
    void removedPolicyRevokesThePeer() throws Exception {
        cycle(state(List.of(a, b), new Policy("p", List.of(allow("local", "a"))), new Policy("q", List.of(allow("local", "b")))));
        cycle(state(List.of(a, b), new Policy("p", List.of(allow("local", "a")))));
        assertThat(wg.peerKeys(IFACE)).containsExactly(a.publicKey());
        assertThat(handler.allowedPeerIds()).containsExactly("a");
    }

    @Test
    void editedPolicyUnderTheSameIdRevokesThePeer() throws Exception {
        cycle(state(List.of(a, b), new Policy("p", List.of(allow("local", "a"), allow("local", "b")))));
        cycle(state(List.of(a, b), new Policy("p", List.of(allow("local", "a")))));
        assertThat(wg.peerKeys(IFACE)).containsExactly(a.publicKey());
    }

    @Test
    void firewallRulesAreAppliedWithTheLocalMeshIp() throws Exception {
        cycle(state(List.of(a), new Policy("p", List.of(allow("a", "local", 22, "tcp")))));
        verify(firewall).applyRules("plexd-mesh", List.of(
                new FirewallRule(IFACE, a.meshIp(), "10.100.0.1", 22, "tcp", "allow"),
                new FirewallRule(IFACE, FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny")));
    }

    @Test
    void partialFailureIsAggregatedWhileTheRestStillRuns() throws Exception {
        doThrow(new FirewallException("nft: boom")).when(firewall).applyRules(anyString(), any());
        wg.failFor(a.publicKey());
        StateResponse desired = state(List.of(a, b), new Policy("p", List.of(allow("local", "*"))));

        assertThatThrownBy(() -> handler.reconcile(desired, StateDiff.compute(desired, null)))
                .isInstanceOf(PolicyException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2)
                        .anySatisfy(s -> assertThat(s).hasMessageContaining("policy: enforce: nft: boom"))
                        .anySatisfy(s -> assertThat(s).hasMessageContaining("add peer a")));
        assertThat(wg.peerKeys(IFACE)).containsExactly(b.publicKey());
        assertThat(handler.allowedPeerIds()).containsExactly("b");
    }

    @Test
    void failedAddIsRetriedNextCycle() throws Exception {
        wg.failFor(a.publicKey());
        StateResponse desired = state(List.of(a), new Policy("p", List.of(allow("local", "a"))));
        assertThatThrownBy(() -> handler.reconcile(desired, StateDiff.compute(desired, null)))
                .isInstanceOf(PolicyException.class);
        assertThat(handler.allowedPeerIds()).isEmpty();

        wg.heal(a.publicKey());
        // The reconciler did not adopt the failed snapshot, so the next cycle has the same diff.
        handler.reconcile(desired, StateDiff.compute(desired, null));
        assertThat(wg.peerKeys(IFACE)).containsExactly(a.publicKey());
    }

    @Test
    void failedRemoveIsRetriedNextCycle() throws Exception {
        cycle(state(List.of(a), new Policy("p", List.of(allow("local", "a")))));
        wg.failFor(a.publicKey());
        StateResponse revoked = state(List.of(a));
        assertThatThrownBy(() -> handler.reconcile(revoked, StateDiff.compute(revoked, applied)))
                .isInstanceOf(PolicyException.class);
        assertThat(handler.allowedPeerIds()).containsExactly("a");

        wg.heal(a.publicKey());
        handler.reconcile(revoked, StateDiff.compute(revoked, applied));
        assertThat(wg.peerKeys(IFACE)).isEmpty();
    }

    @Test
    void allowedPeerWithRotatedKeyIsUpdatedThroughPolicy() throws Exception {
        Policy policy = new Policy("p", List.of(allow("local", "a")));
        cycle(state(List.of(a), policy));
        Peer rotated = new Peer("a", dev.plexd.testing.Fixtures.keyFor("a-rotated"), a.meshIp(), a.endpoint(), a.allowedIps(), "");
        cycle(state(List.of(rotated), policy));
        assertThat(wg.peerKeys(IFACE)).containsExactly(rotated.publicKey());
    }
}
