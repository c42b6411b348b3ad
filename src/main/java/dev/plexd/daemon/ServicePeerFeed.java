package dev.plexd.daemon;

import dev.plexd.api.Peer;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.Reconciler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/**
 * Tells the service filter the mesh's peers (policy files name peers by node ID) whenever a
 * reconcile cycle applied a state whose peers differ from the last ones it was given.
 */
final class ServicePeerFeed implements Consumer<CycleResult> {

    private static final Logger log = LoggerFactory.getLogger(ServicePeerFeed.class);

    private final ServiceControl services;
    private final Reconciler reconciler;
    private List<Peer> given;

    /** @param restored the peers already given at start (restored state), or null */
    ServicePeerFeed(ServiceControl services, Reconciler reconciler, List<Peer> restored) {
        this.services = services;
        this.reconciler = reconciler;
        this.given = restored;
    }

    @Override
    public synchronized void accept(CycleResult result) {
        var applied = reconciler.appliedState();
        if (!result.succeeded() || applied == null || applied.peers().equals(given)) {
            return;
        }
        try {
            services.updatePeers(applied.peers());
            given = applied.peers();
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("service filter rejected the peer update; its last good policy stays in force");
        }
    }
}
