package dev.plexd.reconcile;

import dev.plexd.api.StateResponse;

/** One step of a reconcile cycle; runs only when the diff is not empty. */
@FunctionalInterface
public interface ReconcileHandler {
    void reconcile(StateResponse desired, StateDiff diff) throws Exception;
}
