package dev.plexd.daemon;

import dev.plexd.api.Peer;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.service.InboundFilter;

import java.io.IOException;
import java.util.List;

/**
 * Service access control from {@code <config_dir>/services/}: the compiled per-packet filter the
 * data plane calls, and its reload. A bad file keeps the last good policy; {@link #errors()} says why.
 */
public interface ServiceControl extends AutoCloseable {

    /** The filter handed to the data plane; it must follow reloads itself (e.g. an atomic snapshot swap). */
    InboundFilter filter();

    /** Re-reads the policy files now (SIGHUP, {@code POST /v1/services/reload}); returns {@link #errors()}. */
    List<String> reload() throws IOException;

    /** Errors of the files that failed to load, as {@code file:line: message}; empty when all loaded. */
    List<String> errors();

    /** The {@code services} object of {@code /v1/status}: load state, policy in force, per-peer counts. */
    NodeStatus.Services status();

    /**
     * The mesh's peers changed (restored at start, then after each reconcile that changed them):
     * policy files name peers by node ID. Called on the reconciler's thread; nothing by default.
     */
    default void updatePeers(List<Peer> peers) {
    }

    /** Registers drop counters etc.; none by default. */
    default void registerMetrics(DaemonMetrics metrics) {
    }

    /** Stops watching the directory. */
    @Override
    void close() throws IOException;
}
