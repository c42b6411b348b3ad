package dev.plexd.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling for a condition another thread or process brings about: the one wait the tests share. */
public final class Await {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails the test naming {@code what} after 10 s. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        until(what, DEFAULT_TIMEOUT, condition);
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        if (!holdsWithin(timeout, condition)) {
            throw new AssertionError(timedOut(what, timeout));
        }
    }

    /**
     * As {@link #until(String, BooleanSupplier)}; the failure also shows {@code seen}, read at the
     * timeout, for waits whose name alone does not say what was there instead.
     */
    public static void until(String what, BooleanSupplier condition, Supplier<?> seen) throws InterruptedException {
        if (!holdsWithin(DEFAULT_TIMEOUT, condition)) {
            throw new AssertionError(timedOut(what, DEFAULT_TIMEOUT) + "; last seen: " + seen.get());
        }
    }

    private static boolean holdsWithin(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static String timedOut(String what, Duration timeout) {
        return "timed out after " + timeout.toMillis() + " ms waiting for " + what;
    }
}
