package dev.plexd.tunnel.timers;

import java.time.Instant;

/**
 * Time as the data plane sees it: a monotonic nanosecond counter for every timer and key age,
 * and wall time for handshake timestamps and {@code last_handshake_time}. Injectable so tests
 * can move time forward instead of waiting minutes for re-keying.
 */
public interface Clock {

    /** Monotonic nanoseconds, always positive (0 means "never" to callers). */
    long nanoTime();

    Instant wallTime();

    /** The real clocks. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** {@link System#nanoTime()} shifted so it starts at one second and never reads 0 or less. */
    final class SystemClock implements Clock {
        static final SystemClock INSTANCE = new SystemClock();
        private static final long ORIGIN = System.nanoTime() - 1_000_000_000L;

        private SystemClock() {
        }

        @Override
        public long nanoTime() {
            return System.nanoTime() - ORIGIN;
        }

        @Override
        public Instant wallTime() {
            return Instant.now();
        }
    }
}
