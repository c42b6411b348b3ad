package dev.plexd.daemon;

import dev.plexd.api.Peer;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.ReconcileHandler;
import dev.plexd.reconcile.Reconciler;
import dev.plexd.reconcile.StateDiff;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Tells the service filter the mesh's peers (policy files name peers by node ID and org), never
 * later than the data plane can accept their packets.
 *
 * <p>As a {@link ReconcileHandler} registered <em>before</em> the WireGuard handler it gives the
 * filter the desired peers together with the ones it had, before any peer is added: a new peer's
 * slot is bound with its node ID known, whatever the other handlers of the cycle do. A peer the
 * cycle removes stays known too, since its removal from the data plane may fail. As a cycle
 * listener it narrows the set to the applied peers once a cycle succeeded.
 */
final class ServicePeerFeed implements ReconcileHandler, Consumer<CycleResult> {

    private final ServiceControl services;
    private final Reconciler reconciler;
    private List<Peer> given;

    /** @param given the peers already given at start (persisted state), or null */
    ServicePeerFeed(ServiceControl services, Reconciler reconciler, List<Peer> given) {
        this.services = services;
        this.reconciler = reconciler;
        this.given = given;
    }

    /** Before the data plane: the desired peers, plus the ones given before that the desired state drops. */
    @Override
    public synchronized void reconcile(StateResponse desired, StateDiff diff) {
        give(union(desired.peers(), given));
    }

    /** After a successful cycle exactly the applied peers are in the data plane. */
    @Override
    public synchronized void accept(CycleResult result) {
        StateResponse applied = reconciler.appliedState();
        if (result.succeeded() && applied != null) {
            give(applied.peers());
        }
    }

    private void give(List<Peer> peers) {
        if (!peers.equals(given)) {
            services.updatePeers(peers);
            given = peers;
        }
    }

    /** {@code desired}, then the {@code previous} peers whose node ID and key it does not hold. */
    private static List<Peer> union(List<Peer> desired, List<Peer> previous) {
        if (previous == null) {
            return desired;
        }
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        desired.forEach(peer -> {
            ids.add(peer.id());
            keys.add(peer.publicKey());
        });
        List<Peer> all = new ArrayList<>(desired);
        for (Peer peer : previous) {
            if (!ids.contains(peer.id()) && !keys.contains(peer.publicKey())) {
                all.add(peer);
            }
        }
        return all;
    }
}
