package dev.plexd.daemon.api;

import dev.plexd.api.Policy;

import java.util.List;

/**
 * What the local API reports, read at request time. The daemon implements it from its components'
 * getters; every call returns a consistent snapshot and must be cheap (no I/O, no locks held long).
 */
public interface StatusSource {

    NodeStatus status();

    /** Every peer of the desired state, with what policy and WireGuard made of it. */
    List<PeerStatus> peers();

    /** The policies of the applied desired state. */
    List<Policy> policies();

    /** Ready once the node enforces a desired state (restored or reconciled). */
    default boolean ready() {
        return status().ready();
    }
}
