package dev.plexd.api.client;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Runs a task after a delay. Tests inject a manual one, so backoff is checked without sleeping. */
@FunctionalInterface
public interface TaskScheduler {

    /** A scheduled task that can be called off. */
    @FunctionalInterface
    interface Scheduled {
        void cancel();
    }

    Scheduled schedule(Duration delay, Runnable task);

    /** A scheduler on one daemon thread; the caller shuts the executor down. */
    static TaskScheduler of(ScheduledExecutorService executor) {
        return (delay, task) -> {
            var future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        };
    }

    /** A single daemon thread for the client's timers. */
    static ScheduledThreadPoolExecutor daemonExecutor(String name) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(name).daemon(true).factory());
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
