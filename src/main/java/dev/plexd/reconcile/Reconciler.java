package dev.plexd.reconcile;

import dev.plexd.api.StateResponse;
import dev.plexd.policy.ReconcileTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Converges the node on the desired state: a cycle runs at start, on every tick of the interval and
 * on {@link #triggerReconcile()}. Triggers that arrive while a cycle is pending or running collapse
 * into one further cycle, and cycles never overlap.
 *
 * <p>A cycle fetches the desired state, diffs it against the last applied snapshot and, when they
 * differ, runs every handler in registration order; one handler's failure does not stop the next.
 * The snapshot is replaced only when every handler succeeded, so a failed cycle is retried.
 */
public final class Reconciler implements ReconcileTrigger {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final StateSource source;
    private final Duration interval;
    private final Clock clock;
    private final List<ReconcileHandler> handlers = new CopyOnWriteArrayList<>();
    private final List<Consumer<CycleResult>> listeners = new CopyOnWriteArrayList<>();

    /** Guards {@link #pending} and {@link #running}; the loop waits on {@link #wake}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean pending;
    private boolean running;

    /** Held for the whole of a cycle so cycles never overlap, whoever starts them. */
    private final ReentrantLock cycleLock = new ReentrantLock();
    private volatile StateResponse applied;
    private volatile CycleResult lastResult;
    private Thread loopThread;

    public Reconciler(StateSource source) {
        this(source, DEFAULT_INTERVAL, Clock.systemUTC());
    }

    public Reconciler(StateSource source, Duration interval, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (interval == null || interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("reconcile: interval must be positive, got " + interval);
        }
        this.interval = interval;
    }

    public void registerHandler(ReconcileHandler handler) {
        handlers.add(Objects.requireNonNull(handler, "handler"));
    }

    /** Called after every cycle, on the thread that ran it. */
    public void addListener(Consumer<CycleResult> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Seeds the applied snapshot, for a daemon that restored and enforced its last state before
     * the first cycle; the first cycle then diffs against it instead of against nothing.
     */
    public void seedApplied(StateResponse state) {
        cycleLock.lock();
        try {
            applied = state;
        } finally {
            cycleLock.unlock();
        }
    }

    @Override
    public void triggerReconcile() {
        lock.lock();
        try {
            pending = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Starts the loop on its own thread. */
    public synchronized void start() {
        if (loopThread != null) {
            throw new IllegalStateException("reconciler already started");
        }
        lock.lock();
        try {
            running = true;
        } finally {
            lock.unlock();
        }
        loopThread = Thread.ofPlatform().name("reconciler").daemon(true).start(this::loop);
    }

    /** Runs the loop on the calling thread until {@link #stop()}. */
    public void run() {
        lock.lock();
        try {
            running = true;
        } finally {
            lock.unlock();
        }
        loop();
    }

    /** Stops the loop after the cycle in progress, waiting for it up to {@code timeout}. */
    public void stop(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            running = false;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        Thread thread;
        synchronized (this) {
            thread = loopThread;
        }
        if (thread != null && thread != Thread.currentThread()) {
            thread.join(timeout);
        }
    }

    private void loop() {
        log.atInfo().addKeyValue("interval_ms", interval.toMillis()).log("reconciler started");
        while (isRunning()) {
            reconcileNow();
            if (!awaitNextCycle()) {
                break;
            }
        }
        log.info("reconciler stopped");
    }

    private boolean isRunning() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a trigger or the next tick; false when stopped. */
    private boolean awaitNextCycle() {
        lock.lock();
        try {
            long remaining = interval.toNanos();
            while (running && !pending && remaining > 0) {
                remaining = wake.awaitNanos(remaining);
            }
            pending = false;
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Runs one cycle now, waiting for a cycle in progress to finish first. */
    public CycleResult reconcileNow() {
        cycleLock.lock();
        try {
            CycleResult result = cycle();
            lastResult = result;
            for (Consumer<CycleResult> listener : listeners) {
                try {
                    listener.accept(result);
                } catch (RuntimeException e) {
                    log.warn("reconcile listener failed", e);
                }
            }
            return result;
        } finally {
            cycleLock.unlock();
        }
    }

    private CycleResult cycle() {
        Instant start = clock.instant();
        long startNanos = System.nanoTime();
        StateResponse desired;
        try {
            desired = source.fetchState();
        } catch (Exception e) {
            log.atWarn().setCause(e).log("reconcile: fetching desired state failed; keeping the applied state");
            return new CycleResult(start, since(startNanos), CycleResult.Outcome.FETCH_FAILED, StateDiff.EMPTY, List.of(e));
        }
        StateDiff diff = StateDiff.compute(desired, applied);
        if (diff.isEmpty()) {
            if (applied == null) {
                applied = desired;
            }
            return new CycleResult(start, since(startNanos), CycleResult.Outcome.UNCHANGED, diff, List.of());
        }

        List<Exception> failures = new ArrayList<>();
        for (ReconcileHandler handler : handlers) {
            try {
                handler.reconcile(desired, diff);
            } catch (Exception e) {
                failures.add(e);
                log.atWarn().addKeyValue("handler", handler.getClass().getSimpleName()).setCause(e)
                        .log("reconcile handler failed; the cycle will be retried");
            }
        }
        reportDrift(start, diff);
        if (failures.isEmpty()) {
            applied = desired;
        }
        Duration took = since(startNanos);
        CycleResult.Outcome outcome = failures.isEmpty() ? CycleResult.Outcome.APPLIED : CycleResult.Outcome.HANDLER_FAILED;
        log.atInfo().addKeyValue("outcome", outcome).addKeyValue("duration_ms", took.toMillis())
                .addKeyValue("peers_added", diff.peersToAdd().size())
                .addKeyValue("peers_removed", diff.peersToRemove().size())
                .addKeyValue("peers_updated", diff.peersToUpdate().size())
                .addKeyValue("policies_added", diff.policiesToAdd().size())
                .addKeyValue("policies_removed", diff.policiesToRemove().size())
                .log("reconcile cycle");
        return new CycleResult(start, took, outcome, diff, failures);
    }

    private void reportDrift(Instant at, StateDiff diff) {
        try {
            source.reportDrift(DriftReport.of(at, diff));
        } catch (Exception e) {
            log.atWarn().setCause(e).log("reconcile: drift report failed");
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** The state the last fully successful cycle applied, or null. */
    public StateResponse appliedState() {
        return applied;
    }

    /** The most recent cycle's result, or null before the first cycle. */
    public CycleResult lastResult() {
        return lastResult;
    }

    public Duration interval() {
        return interval;
    }
}
