package dev.plexd.reconcile;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.StateResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.plexd.testing.Fixtures.allow;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;

class StateDiffTest {

    private final Peer a = peer("a", 2);
    private final Peer b = peer("b", 3);
    private final Policy p = new Policy("p", List.of(allow("a", "b")));

    @Test
    void nothingAppliedYetMeansEverythingIsAdded() {
        StateDiff diff = StateDiff.compute(StateResponse.of(List.of(a, b), List.of(p)), null);
        assertThat(diff.peersToAdd()).containsExactly(a, b);
        assertThat(diff.policiesToAdd()).containsExactly(p);
        assertThat(diff.peersToRemove()).isEmpty();
        assertThat(diff.isEmpty()).isFalse();
    }

    @Test
    void identicalStatesHaveAnEmptyDiff() {
        StateResponse state = StateResponse.of(List.of(a, b), List.of(p));
        assertThat(StateDiff.compute(state, StateResponse.of(List.of(a, b), List.of(p))).isEmpty()).isTrue();
        assertThat(StateDiff.compute(StateResponse.of(List.of(), List.of()), null).isEmpty()).isTrue();
    }

    @Test
    void peersAreComparedByIdAndContent() {
        Peer movedA = new Peer("a", a.publicKey(), a.meshIp(), "198.51.100.9:51820", a.allowedIps(), "");
        StateDiff diff = StateDiff.compute(StateResponse.of(List.of(movedA), List.of()), StateResponse.of(List.of(a, b), List.of()));
        assertThat(diff.peersToUpdate()).containsExactly(movedA);
        assertThat(diff.peersToRemove()).containsExactly("b");
        assertThat(diff.peersToAdd()).isEmpty();
    }

    @Test
    void policyWithChangedRulesUnderTheSameIdIsRemovedAndAdded() {
        Policy edited = new Policy("p", List.of(allow("a", "c")));
        StateDiff diff = StateDiff.compute(StateResponse.of(List.of(), List.of(edited)), StateResponse.of(List.of(), List.of(p)));
        assertThat(diff.policiesToRemove()).containsExactly("p");
        assertThat(diff.policiesToAdd()).containsExactly(edited);
        assertThat(diff.hasPolicyChanges()).isTrue();
        assertThat(diff.hasPeerChanges()).isFalse();
    }

    @Test
    void removedPolicyIsReported() {
        StateDiff diff = StateDiff.compute(StateResponse.of(List.of(), List.of()), StateResponse.of(List.of(), List.of(p)));
        assertThat(diff.policiesToRemove()).containsExactly("p");
        assertThat(diff.policiesToAdd()).isEmpty();
    }

    @Test
    void driftReportListsEveryCorrection() {
        Policy edited = new Policy("p", List.of(allow("a", "c")));
        StateDiff diff = StateDiff.compute(StateResponse.of(List.of(b), List.of(edited)), StateResponse.of(List.of(a), List.of(p)));
        assertThat(DriftReport.of(java.time.Instant.EPOCH, diff).corrections()).containsExactly(
                new DriftReport.Correction("peer_added", "b"),
                new DriftReport.Correction("peer_removed", "a"),
                new DriftReport.Correction("policy_removed", "p"),
                new DriftReport.Correction("policy_added", "p"));
    }
}
