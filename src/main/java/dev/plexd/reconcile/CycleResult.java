package dev.plexd.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What one reconcile cycle did; published to listeners for status and metrics. */
public record CycleResult(Instant startedAt, Duration duration, Outcome outcome, StateDiff diff,
                          List<Exception> failures) {

    public enum Outcome {
        /** Desired state equals the applied snapshot; no handler ran. */
        UNCHANGED,
        /** Every handler succeeded; the desired state is now the applied snapshot. */
        APPLIED,
        /** At least one handler failed; the snapshot was kept so the next cycle retries. */
        HANDLER_FAILED,
        /** The state source could not be read; nothing ran. */
        FETCH_FAILED
    }

    public CycleResult {
        failures = List.copyOf(failures);
    }

    public boolean succeeded() {
        return outcome == Outcome.UNCHANGED || outcome == Outcome.APPLIED;
    }
}
