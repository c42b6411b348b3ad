package dev.plexd.reconcile;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.StateResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What differs between the desired state and the last applied one. Peers are compared by ID and
 * content; policies by ID and content, so a policy whose rules changed under the same ID appears
 * both removed and added (the original compared IDs only and never applied such edits).
 */
public record StateDiff(List<Peer> peersToAdd, List<String> peersToRemove, List<Peer> peersToUpdate,
                        List<Policy> policiesToAdd, List<String> policiesToRemove) {

    public static final StateDiff EMPTY = new StateDiff(List.of(), List.of(), List.of(), List.of(), List.of());

    public StateDiff {
        peersToAdd = List.copyOf(peersToAdd);
        peersToRemove = List.copyOf(peersToRemove);
        peersToUpdate = List.copyOf(peersToUpdate);
        policiesToAdd = List.copyOf(policiesToAdd);
        policiesToRemove = List.copyOf(policiesToRemove);
    }

    public boolean isEmpty() {
        return !hasPeerChanges() && !hasPolicyChanges();
    }

    public boolean hasPeerChanges() {
        return !peersToAdd.isEmpty() || !peersToRemove.isEmpty() || !peersToUpdate.isEmpty();
    }

    public boolean hasPolicyChanges() {
        return !policiesToAdd.isEmpty() || !policiesToRemove.isEmpty();
    }

    /**
     * @param current the last applied state, or null when nothing has been applied yet
     */
    public static StateDiff compute(StateResponse desired, StateResponse current) {
        Objects.requireNonNull(desired, "desired");
        Map<String, Peer> currentPeers = current == null ? Map.of() : byId(current.peers(), Peer::id);
        Map<String, Policy> currentPolicies = current == null ? Map.of() : byId(current.policies(), Policy::id);
        Map<String, Peer> desiredPeers = byId(desired.peers(), Peer::id);
        Map<String, Policy> desiredPolicies = byId(desired.policies(), Policy::id);

        List<Peer> peersToAdd = new ArrayList<>();
        List<Peer> peersToUpdate = new ArrayList<>();
        for (Peer peer : desiredPeers.values()) {
            Peer applied = currentPeers.get(peer.id());
            if (applied == null) {
                peersToAdd.add(peer);
            } else if (!applied.equals(peer)) {
                peersToUpdate.add(peer);
            }
        }
        List<String> peersToRemove = missingFrom(currentPeers, desiredPeers);

        List<Policy> policiesToAdd = new ArrayList<>();
        List<String> policiesToRemove = new ArrayList<>(missingFrom(currentPolicies, desiredPolicies));
        for (Policy policy : desiredPolicies.values()) {
            Policy applied = currentPolicies.get(policy.id());
            if (applied == null) {
                policiesToAdd.add(policy);
            } else if (!applied.equals(policy)) {
                policiesToRemove.add(policy.id());
                policiesToAdd.add(policy);
            }
        }
        return new StateDiff(peersToAdd, peersToRemove, peersToUpdate, policiesToAdd, policiesToRemove);
    }

    private static <T> Map<String, T> byId(List<T> items, java.util.function.Function<T, String> id) {
        Map<String, T> map = new LinkedHashMap<>();
        for (T item : items) {
            map.put(id.apply(item), item);
        }
        return map;
    }

    private static List<String> missingFrom(Map<String, ?> current, Map<String, ?> desired) {
        List<String> missing = new ArrayList<>();
        for (String id : current.keySet()) {
            if (!desired.containsKey(id)) {
                missing.add(id);
            }
        }
        return missing;
    }
}
