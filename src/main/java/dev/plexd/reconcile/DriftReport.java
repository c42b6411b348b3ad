package dev.plexd.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The body of {@code POST /v1/nodes/{id}/drift}: what a reconcile cycle found different and corrected. */
public record DriftReport(Instant timestamp, List<Correction> corrections) {

    public record Correction(String type, String detail) {
    }

    public DriftReport {
        corrections = List.copyOf(corrections);
    }

    public static DriftReport of(Instant timestamp, StateDiff diff) {
        List<Correction> corrections = new ArrayList<>();
        diff.peersToAdd().forEach(p -> corrections.add(new Correction("peer_added", p.id())));
        diff.peersToRemove().forEach(id -> corrections.add(new Correction("peer_removed", id)));
        diff.peersToUpdate().forEach(p -> corrections.add(new Correction("peer_updated", p.id())));
        diff.policiesToRemove().forEach(id -> corrections.add(new Correction("policy_removed", id)));
        diff.policiesToAdd().forEach(p -> corrections.add(new Correction("policy_added", p.id())));
        return new DriftReport(timestamp, corrections);
    }
}
