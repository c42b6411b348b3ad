package dev.plexd.policy;

/** Asks for a reconcile cycle soon; implemented by the Reconciler. */
@FunctionalInterface
public interface ReconcileTrigger {
    void triggerReconcile();
}
