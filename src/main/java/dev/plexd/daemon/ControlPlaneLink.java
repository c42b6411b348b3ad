package dev.plexd.daemon;

import dev.plexd.daemon.api.StatusSource;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.policy.ReconcileTrigger;
import dev.plexd.reconcile.StateSource;

import java.io.IOException;

/**
 * The node's connection to its control plane, once registered (or with its persisted identity):
 * state over HTTP, the signed event stream and the heartbeat.
 */
public interface ControlPlaneLink extends AutoCloseable {

    /** Node ID and mesh IP from registration; available without the network when persisted. */
    MeshIdentity identity();

    /**
     * The WireGuard key registered with the control plane (kept with the identity, so it survives
     * re-registration); {@code wireguard.private_key_file} is for local mode only.
     */
    NodeKey key();

    /** What the reconciler fetches desired state from. */
    StateSource stateSource();

    /**
     * Starts the event stream (verified events dispatched; {@code policy_updated} and peer events
     * trigger {@code trigger}) and the heartbeat, which reads the peer count from {@code status}.
     * Called once the node enforces its restored state and the reconciler runs.
     */
    void start(ReconcileTrigger trigger, StatusSource status) throws IOException;

    /** For {@code /v1/status}: e.g. {@code connected}, {@code reconnecting}, {@code polling}. */
    String connectionState();

    /** Registers event counters (received by type, rejected by reason); none by default. */
    default void registerMetrics(DaemonMetrics metrics) {
    }

    /** Stops the stream and heartbeat. */
    @Override
    void close() throws IOException;
}
