package dev.plexd.reconcile;

import dev.plexd.api.Policy;
import dev.plexd.api.StateResponse;
import dev.plexd.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.plexd.testing.Fixtures.allow;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;

class ReconcilerTest {

    /** A source whose state the test sets; records drift reports and can block or fail fetches. */
    static final class ScriptedSource implements StateSource {
        final AtomicReference<StateResponse> state = new AtomicReference<>(StateResponse.of(List.of(), List.of()));
        final AtomicInteger fetches = new AtomicInteger();
        final List<DriftReport> reports = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile IOException failure;

        @Override
        public StateResponse fetchState() throws IOException {
            fetches.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw failure;
            }
            return state.get();
        }

        @Override
        public void reportDrift(DriftReport report) {
            reports.add(report);
        }
    }

    private final ScriptedSource source = new ScriptedSource();
    private final LinkedBlockingQueue<CycleResult> cycles = new LinkedBlockingQueue<>();
    private Reconciler reconciler;

    private Reconciler reconciler(Duration interval) {
        reconciler = new Reconciler(source, interval, Clock.systemUTC());
        reconciler.addListener(cycles::add);
        return reconciler;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (reconciler != null) {
            reconciler.stop(Duration.ofSeconds(5));
        }
    }

    private CycleResult nextCycle() throws InterruptedException {
        CycleResult result = cycles.poll(10, TimeUnit.SECONDS);
        assertThat(result).as("a cycle ran").isNotNull();
        return result;
    }

    private static StateResponse stateWithPolicy(String id) {
        return StateResponse.of(List.of(peer("a", 2)), List.of(new Policy(id, List.of(allow("local", "a")))));
    }

    @Test
    void aCycleRunsAtStart() throws Exception {
        reconciler(Duration.ofHours(1)).start();
        assertThat(nextCycle().outcome()).isEqualTo(CycleResult.Outcome.UNCHANGED);
    }

    @Test
    void cyclesRunOnEveryTick() throws Exception {
        reconciler(Duration.ofMillis(20)).start();
        for (int i = 0; i < 3; i++) {
            nextCycle();
        }
    }

    @Test
    void triggerRunsACycle() throws Exception {
        reconciler(Duration.ofHours(1)).start();
        nextCycle();
        reconciler.triggerReconcile();
        nextCycle();
    }

    @Test
    void triggersDuringACycleCollapseIntoOneMoreCycle() throws Exception {
        reconciler(Duration.ofHours(1));
        source.gate = new CountDownLatch(1);
        reconciler.start();
        while (source.fetches.get() == 0) {
            Thread.onSpinWait();
        }
        for (int i = 0; i < 100; i++) {
            reconciler.triggerReconcile();
        }
        source.gate.countDown();
        nextCycle();
        nextCycle();
        assertThat(cycles.poll(300, TimeUnit.MILLISECONDS)).as("no third cycle").isNull();
        assertThat(source.fetches).hasValue(2);
    }

    @Test
    void handlersRunInRegistrationOrderAndAFailureDoesNotStopTheNext() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        reconciler(Duration.ofHours(1));
        reconciler.registerHandler((desired, diff) -> {
            calls.add("first");
            throw new IllegalStateException("first failed");
        });
        reconciler.registerHandler((desired, diff) -> calls.add("second"));
        source.state.set(stateWithPolicy("p"));

        CycleResult result = reconciler.reconcileNow();
        assertThat(calls).containsExactly("first", "second");
        assertThat(result.outcome()).isEqualTo(CycleResult.Outcome.HANDLER_FAILED);
        assertThat(result.failures()).singleElement().satisfies(e -> assertThat(e).hasMessage("first failed"));
    }

    @Test
    void snapshotIsAdoptedOnlyWhenEveryHandlerSucceeded() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(1);
        AtomicInteger runs = new AtomicInteger();
        reconciler(Duration.ofHours(1));
        reconciler.registerHandler((desired, diff) -> {
            runs.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IOException("transient");
            }
        });
        source.state.set(stateWithPolicy("p"));

        assertThat(reconciler.reconcileNow().outcome()).isEqualTo(CycleResult.Outcome.HANDLER_FAILED);
        assertThat(reconciler.appliedState()).isNull();
        CycleResult retry = reconciler.reconcileNow();
        assertThat(retry.outcome()).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(retry.diff().policiesToAdd()).hasSize(1);
        assertThat(reconciler.appliedState()).isEqualTo(source.state.get());
        assertThat(reconciler.reconcileNow().outcome()).isEqualTo(CycleResult.Outcome.UNCHANGED);
        assertThat(runs).hasValue(2);
    }

    @Test
    void driftIsReportedThroughTheSource() {
        reconciler(Duration.ofHours(1));
        source.state.set(stateWithPolicy("p"));
        reconciler.reconcileNow();
        assertThat(source.reports).singleElement()
                .satisfies(r -> assertThat(r.corrections()).extracting(DriftReport.Correction::type)
                        .containsExactly("peer_added", "policy_added"));
        reconciler.reconcileNow();
        assertThat(source.reports).hasSize(1);
    }

    @Test
    void fetchFailureKeepsTheAppliedStateAndRunsNoHandler() {
        AtomicInteger runs = new AtomicInteger();
        reconciler(Duration.ofHours(1));
        reconciler.registerHandler((desired, diff) -> runs.incrementAndGet());
        source.state.set(stateWithPolicy("p"));
        reconciler.reconcileNow();
        StateResponse applied = reconciler.appliedState();

        source.failure = new IOException("control plane unreachable");
        CycleResult result = reconciler.reconcileNow();
        assertThat(result.outcome()).isEqualTo(CycleResult.Outcome.FETCH_FAILED);
        assertThat(result.failures()).singleElement().satisfies(e -> assertThat(e).hasMessage("control plane unreachable"));
        assertThat(reconciler.appliedState()).isSameAs(applied);
        assertThat(runs).hasValue(1);
    }

    @Test
    void cyclesNeverOverlap() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        AtomicInteger version = new AtomicInteger();
        reconciler(Duration.ofMillis(1));
        reconciler.registerHandler((desired, diff) -> {
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            Thread.sleep(1);
            active.decrementAndGet();
        });
        reconciler.start();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 50; i++) {
                    source.state.set(stateWithPolicy("p" + version.incrementAndGet()));
                    if (i % 2 == 0) {
                        reconciler.triggerReconcile();
                    } else {
                        reconciler.reconcileNow();
                    }
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(maxActive).hasValue(1);
    }

    @Test
    void stopEndsTheLoop() throws Exception {
        reconciler(Duration.ofHours(1)).start();
        nextCycle();
        reconciler.stop(Duration.ofSeconds(5));
        reconciler.triggerReconcile();
        assertThat(cycles.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void defaultIntervalIsSixtySecondsAndRunsTheLoop() throws Exception {
        assertThat(Reconciler.DEFAULT_INTERVAL).isEqualTo(Duration.ofSeconds(60));
        reconciler = new Reconciler(source);
        reconciler.addListener(cycles::add);
        assertThat(reconciler.interval()).isEqualTo(Duration.ofSeconds(60));
        try (LogCapture logs = LogCapture.of(Reconciler.class)) {
            reconciler.start();
            nextCycle();
            // The loop itself reports the interval it waits between ticks.
            assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().equals("reconciler started"))
                    .singleElement()
                    .satisfies(e -> assertThat(LogCapture.fields(e)).containsEntry("interval_ms", "60000"));
            assertThat(cycles.poll(300, TimeUnit.MILLISECONDS)).as("no tick long before 60 s").isNull();
        }
    }

    @Test
    void intervalMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Reconciler(source, Duration.ZERO, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval must be positive");
    }
}
