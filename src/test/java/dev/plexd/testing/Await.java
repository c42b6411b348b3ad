package dev.plexd.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

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
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
