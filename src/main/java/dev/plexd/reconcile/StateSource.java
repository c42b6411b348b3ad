package dev.plexd.reconcile;

import dev.plexd.api.StateResponse;

import java.io.IOException;

/** Where the reconciler reads desired state: the control plane over HTTP, or a local file. */
public interface StateSource {

    StateResponse fetchState() throws IOException;

    /** Tells the source what a cycle had to correct. Sources without a receiver just log it. */
    void reportDrift(DriftReport report) throws IOException;
}
