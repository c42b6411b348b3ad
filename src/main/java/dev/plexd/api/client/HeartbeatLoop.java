package dev.plexd.api.client;

import dev.plexd.api.HeartbeatRequest;
import dev.plexd.api.HeartbeatResponse;
import dev.plexd.policy.ReconcileTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Sends a heartbeat at start and then every interval. {@code reconcile: true} in the answer
 * triggers a reconcile; {@code rotate_keys: true} calls the rotation callback. A failure is
 * logged and counted and the next heartbeat comes at the usual time (later, if a 429 asked so).
 */
public final class HeartbeatLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatLoop.class);

    private final ControlPlaneClient client;
    private final NodeSession session;
    private final ReconcileTrigger trigger;
    private final Duration interval;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final Supplier<HeartbeatRequest.Mesh> mesh;
    private final Runnable onRotateKeys;
    private final Instant startedAt;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Instant lastHeartbeatAt;
    private TaskScheduler.Scheduled next;
    private boolean closed;

    /**
     * @param mesh         the mesh interface's state for the heartbeat, may return null
     * @param onRotateKeys what to do when the control plane asks for new WireGuard keys
     */
    public HeartbeatLoop(ControlPlaneClient client, NodeSession session, ReconcileTrigger trigger, Duration interval,
                         TaskScheduler scheduler, Clock clock, Supplier<HeartbeatRequest.Mesh> mesh, Runnable onRotateKeys) {
        this.client = Objects.requireNonNull(client, "client");
        this.session = Objects.requireNonNull(session, "session");
        this.trigger = Objects.requireNonNull(trigger, "trigger");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.mesh = mesh == null ? () -> null : mesh;
        this.onRotateKeys = onRotateKeys == null ? () -> log.warn("control plane asked for a key rotation; not supported here") : onRotateKeys;
        this.startedAt = clock.instant();
    }

    public synchronized void start() {
        schedule(Duration.ZERO);
    }

    private synchronized void schedule(Duration delay) {
        if (!closed) {
            next = scheduler.schedule(delay, this::beatAndReschedule);
        }
    }

    private void beatAndReschedule() {
        Duration delay = interval;
        try {
            beat();
        } catch (RateLimitedException e) {
            delay = e.retryAfter().filter(after -> after.compareTo(interval) > 0).orElse(interval);
            failed(e);
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
        schedule(delay);
    }

    /** Sends one heartbeat now and acts on the answer. */
    public HeartbeatResponse beat() throws IOException {
        Instant now = clock.instant();
        HeartbeatResponse response = session.call(identity -> client.heartbeat(identity, new HeartbeatRequest(
                identity.nodeId(), now, HeartbeatRequest.STATUS_HEALTHY,
                HeartbeatRequest.uptimeText(Duration.between(startedAt, now)), mesh.get())));
        sent.incrementAndGet();
        lastHeartbeatAt = now;
        if (response.reconcile()) {
            log.info("control plane asked for a reconcile");
            trigger.triggerReconcile();
        }
        if (response.rotateKeys()) {
            onRotateKeys.run();
        }
        return response;
    }

    private void failed(Exception e) {
        failures.incrementAndGet();
        log.atWarn().addKeyValue("error", e.getMessage()).log("heartbeat failed");
    }

    /** When the last heartbeat was accepted, or null. */
    public Instant lastHeartbeatAt() {
        return lastHeartbeatAt;
    }

    public long heartbeatsSent() {
        return sent.get();
    }

    public long heartbeatFailures() {
        return failures.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel();
        }
    }
}
