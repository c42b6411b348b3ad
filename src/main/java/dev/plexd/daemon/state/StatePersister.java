package dev.plexd.daemon.state;

import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.Reconciler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A reconcile listener that saves the applied state after every successful cycle that changed it.
 * A failed save is logged and retried after the next successful cycle; it never fails the cycle,
 * since the kernel state is already correct and only restart protection is at stake.
 */
public final class StatePersister implements Consumer<CycleResult> {

    private static final Logger log = LoggerFactory.getLogger(StatePersister.class);

    private final StateStore store;
    private final Reconciler reconciler;
    private StateResponse saved;

    /** @param alreadySaved the state already on disk (restored at start), or null */
    public StatePersister(StateStore store, Reconciler reconciler, StateResponse alreadySaved) {
        this.store = store;
        this.reconciler = reconciler;
        this.saved = alreadySaved;
    }

    @Override
    public synchronized void accept(CycleResult result) {
        StateResponse applied = reconciler.appliedState();
        if (!result.succeeded() || applied == null || applied.equals(saved)) {
            return;
        }
        long start = System.nanoTime();
        try {
            store.save(applied);
            saved = applied;
            log.atDebug().addKeyValue("file", store.file().toString())
                    .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000).log("applied state persisted");
        } catch (IOException | RuntimeException e) {
            log.atError().addKeyValue("file", store.file().toString()).setCause(e)
                    .log("cannot persist the applied state; a restart would enforce the previous one");
        }
    }
}
