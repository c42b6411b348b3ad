package dev.plexd.api.client;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A scheduler that only records: tests read the requested delays and run the tasks by hand. */
final class ManualScheduler implements TaskScheduler {

    static final class Task implements Scheduled {
        final Duration delay;
        final Runnable runnable;
        volatile boolean cancelled;

        Task(Duration delay, Runnable runnable) {
            this.delay = delay;
            this.runnable = runnable;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        void run() {
            if (!cancelled) {
                runnable.run();
            }
        }
    }

    private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();

    @Override
    public Scheduled schedule(Duration delay, Runnable task) {
        Task scheduled = new Task(delay, task);
        tasks.add(scheduled);
        return scheduled;
    }

    /** The next task scheduled, waiting for it (callbacks arrive on OkHttp's threads). */
    Task next() throws InterruptedException {
        Task task = tasks.poll(10, TimeUnit.SECONDS);
        if (task == null) {
            throw new AssertionError("nothing was scheduled within 10 s");
        }
        return task;
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }
}
