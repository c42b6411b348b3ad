package dev.plexd.service;

import dev.plexd.service.policy.PolicySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Watches the config directory, {@code services/}, {@code services/peer/} and
 * {@code services/org/} and calls back once changes settle: {@link #QUIET_MS} after the last
 * event, or at the latest {@link #MAX_DELAY_MS} after the first, so a burst of writes (an editor's
 * temp file, rename into place, chmod) is one reload and a change applies well within a second.
 *
 * <p>Directories come and go ({@code service reset} removes them, the CLI creates them): after
 * every batch of events the watched set is re-registered before the callback reads the files, so
 * a file created in a brand-new directory before its watch existed is still read. When the config
 * directory itself is missing, it is looked for once a second.
 */
final class PolicyWatcher implements AutoCloseable {

    static final long QUIET_MS = 100;
    static final long MAX_DELAY_MS = 500;
    private static final long IDLE_POLL_MS = 1_000;

    private static final Logger log = LoggerFactory.getLogger(PolicyWatcher.class);

    private final Path configDir;
    private final Runnable onChange;
    private final WatchService watchService;
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private final Thread thread;

    PolicyWatcher(Path configDir, Runnable onChange) throws IOException {
        this.configDir = configDir;
        this.onChange = onChange;
        this.watchService = FileSystems.getDefault().newWatchService();
        this.thread = Thread.ofPlatform().daemon(true).name("service-policy-watcher").unstarted(this::run);
    }

    void start() {
        register();
        thread.start();
    }

    private void run() {
        long firstEvent = -1;
        long lastEvent = -1;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long wait = IDLE_POLL_MS;
                if (firstEvent >= 0) {
                    long now = System.nanoTime();
                    long quietLeft = QUIET_MS - TimeUnit.NANOSECONDS.toMillis(now - lastEvent);
                    long maxLeft = MAX_DELAY_MS - TimeUnit.NANOSECONDS.toMillis(now - firstEvent);
                    wait = Math.min(quietLeft, maxLeft);
                    if (wait <= 0) {
                        firstEvent = -1;
                        register();
                        fire();
                        continue;
                    }
                }
                WatchKey key = watchService.poll(wait, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    lastEvent = System.nanoTime();
                    if (firstEvent < 0) {
                        firstEvent = lastEvent;
                    }
                } else if (firstEvent < 0 && register()) {
                    // A directory appeared without an event we could see (the config directory was created).
                    fire();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("service policy watcher stopped; use reload (SIGHUP) to apply changes");
        }
    }

    private void fire() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("service policy reload failed");
        }
    }

    /** Watches the directories that exist and forgets the ones that are gone; true when a new one was added. */
    private synchronized boolean register() {
        Path services = configDir.resolve(PolicySet.SERVICES_DIR);
        boolean added = false;
        for (Path dir : List.of(configDir, services, services.resolve("peer"), services.resolve("org"))) {
            WatchKey key = keys.get(dir);
            if (key != null && key.isValid() && Files.isDirectory(dir)) {
                continue;
            }
            if (key != null) {
                key.cancel();
                keys.remove(dir);
            }
            if (Files.isDirectory(dir)) {
                try {
                    keys.put(dir, dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY));
                    added = true;
                } catch (IOException e) {
                    log.atWarn().addKeyValue("dir", dir.toString()).addKeyValue("error", e.toString())
                            .log("cannot watch a service policy directory");
                }
            }
        }
        return added;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            watchService.close();
            thread.join(2_000);
        } catch (IOException e) {
            log.atWarn().addKeyValue("error", e.toString()).log("closing the service policy watcher");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
