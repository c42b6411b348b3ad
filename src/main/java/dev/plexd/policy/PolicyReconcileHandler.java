package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.ReconcileHandler;
import dev.plexd.reconcile.StateDiff;
import dev.plexd.wireguard.WireGuardManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The reconcile step that enforces policy: filters the desired peers, applies firewall rules,
 * removes peers policy no longer allows, adds newly allowed ones and updates allowed peers whose
 * configuration changed. Every path that puts a peer into WireGuard goes through here, after
 * policy filtering.
 *
 * <p>Only peers whose WireGuard operation succeeded are remembered, so a failed add, remove or
 * update is retried on the next cycle. Failures of one cycle are collected into one exception
 * whose suppressed exceptions are the individual failures; the rest of the cycle still runs.
 */
public final class PolicyReconcileHandler implements ReconcileHandler {

    private static final Logger log = LoggerFactory.getLogger(PolicyReconcileHandler.class);

    private final Enforcer enforcer;
    private final WireGuardManager wireGuard;
    private final String localNodeId;
    private final String localMeshIp;
    private final String iface;
    /** Peers currently configured in WireGuard, as last successfully applied. */
    private final Map<String, Peer> allowedPeers = new LinkedHashMap<>();

    public PolicyReconcileHandler(Enforcer enforcer, WireGuardManager wg, String localNodeId, String localMeshIp,
                                  String iface) {
        this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
        this.wireGuard = Objects.requireNonNull(wg, "wg");
        this.localNodeId = Objects.requireNonNull(localNodeId, "localNodeId");
        this.localMeshIp = localMeshIp;
        this.iface = iface;
    }

    @Override
    public synchronized void reconcile(StateResponse desired, StateDiff diff) throws PolicyException {
        if (!diff.hasPeerChanges() && !diff.hasPolicyChanges()) {
            return;
        }
        List<Peer> filtered = enforcer.filterPeers(desired.peers(), desired.policies(), localNodeId);
        List<Exception> failures = new ArrayList<>();

        try {
            enforcer.applyFirewallRules(desired.policies(), localNodeId, iface, peersById(desired));
        } catch (PolicyException e) {
            failures.add(e);
        }

        Map<String, Peer> nowAllowed = new LinkedHashMap<>();
        for (Peer peer : filtered) {
            nowAllowed.put(peer.id(), peer);
        }
        for (String id : List.copyOf(allowedPeers.keySet())) {
            if (!nowAllowed.containsKey(id)) {
                try {
                    wireGuard.removePeerById(id);
                    allowedPeers.remove(id);
                    log.atInfo().addKeyValue("peer_id", id).log("peer revoked by policy");
                } catch (Exception e) {
                    failures.add(new PolicyException("policy: remove peer " + id + ": " + e.getMessage(), e));
                }
            }
        }
        for (Peer peer : nowAllowed.values()) {
            Peer applied = allowedPeers.get(peer.id());
            if (peer.equals(applied)) {
                continue;
            }
            try {
                if (applied == null) {
                    wireGuard.addPeer(peer);
                    log.atInfo().addKeyValue("peer_id", peer.id()).log("peer allowed by policy");
                } else {
                    wireGuard.updatePeer(peer);
                    log.atInfo().addKeyValue("peer_id", peer.id()).log("allowed peer updated");
                }
                allowedPeers.put(peer.id(), peer);
            } catch (Exception e) {
                String verb = applied == null ? "add" : "update";
                failures.add(new PolicyException("policy: " + verb + " peer " + peer.id() + ": " + e.getMessage(), e));
            }
        }

        if (!failures.isEmpty()) {
            PolicyException aggregated = new PolicyException("policy: reconcile: " + failures.size() + " failure(s): "
                    + failures.getFirst().getMessage() + (failures.size() > 1 ? " (and more)" : ""));
            failures.forEach(aggregated::addSuppressed);
            throw aggregated;
        }
    }

    private Map<String, String> peersById(StateResponse desired) {
        Map<String, String> byId = new HashMap<>();
        for (Peer peer : desired.peers()) {
            byId.put(peer.id(), peer.meshIp());
        }
        if (localMeshIp != null && !localMeshIp.isEmpty()) {
            byId.put(localNodeId, localMeshIp);
        }
        return byId;
    }

    /** IDs of the peers currently configured in WireGuard. */
    public synchronized List<String> allowedPeerIds() {
        return List.copyOf(allowedPeers.keySet());
    }
}
