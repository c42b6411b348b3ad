package dev.plexd.api.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: {@code initial} doubling per attempt up to {@code max}, each
 * delay then spread by ±{@code jitter} so a fleet of nodes does not reconnect in lockstep.
 *
 * @param jitter fraction, e.g. 0.25 for ±25 %
 */
public record Backoff(Duration initial, Duration max, double jitter) {

    /** The control plane's schedule: 1 s doubling to 60 s, ±25 %. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.25);

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < initial <= max, got " + initial + ", " + max);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("backoff: jitter must be in [0, 1), got " + jitter);
        }
    }

    /**
     * @param attempt 0 for the first retry
     */
    public Duration delay(int attempt, RandomGenerator random) {
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        int n = Math.max(0, attempt);
        // initial << n stays within max exactly when initial <= max >> n; beyond that the cap applies.
        long base = n < 63 && initialNanos <= (maxNanos >> n) ? initialNanos << n : maxNanos;
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofNanos(Math.round(base * factor));
    }
}
