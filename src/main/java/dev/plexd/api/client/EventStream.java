package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventDispatcher;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.VerificationException;
import dev.plexd.policy.ReconcileTrigger;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;

/**
 * Keeps {@code GET /v1/nodes/{id}/events} open and feeds its events, verified, to the dispatcher.
 *
 * <p>Every frame's data is parsed as a {@link SignedEnvelope} and checked by the
 * {@link EnvelopeVerifier}; only then is it dispatched, by the envelope's {@code event_type}. A
 * rejected frame is logged (reason, event id, type — never the payload), counted by reason and
 * dropped.
 *
 * <p>When the stream fails or ends it is reopened after {@link Backoff#DEFAULT} (1 s doubling to
 * 60 s, ±25 %), resuming with {@code Last-Event-ID}. A stream silent for the idle timeout (not even
 * a keep-alive comment) counts as failed. 401 re-authenticates through the {@link NodeSession} and
 * carries on; 429 waits at least its {@code Retry-After}. Exactly {@code pollFallbackAfter} after
 * the first failure, if the stream has not proven healthy since, the stream also triggers a
 * reconcile every {@code pollInterval} (which fetches the state); a reconnect after failures
 * triggers one reconcile to catch up on anything missed.
 *
 * <p>Opening is not enough to count as recovered: a server (or proxy) that accepts the stream and
 * drops it at once would otherwise reset the backoff on every attempt, reconnecting every second
 * and never polling. The backoff and the failure clock are reset only once the stream has
 * {@linkplain #PROVEN_AFTER proven healthy}.
 */
public final class EventStream implements AutoCloseable {

    /** Where the stream is, for status and metrics. */
    public enum State { STOPPED, CONNECTING, CONNECTED, RECONNECTING, POLLING }

    /** The rejection reason of frames that are not envelopes at all. */
    public static final String REJECTED_MALFORMED = "malformed";

    /**
     * A stream is healthy once it delivered a verified event, or stayed open this long: as long as
     * the longest backoff step, so even a server that drops every stream after this long is
     * reconnected no more often than the capped backoff would. (Keep-alive comments would be the
     * earlier sign, but okhttp-sse does not surface them; a forged or malformed frame proves
     * nothing.)
     */
    static final Duration PROVEN_AFTER = Backoff.DEFAULT.max();

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);

    private final ControlPlaneClient client;
    private final NodeSession session;
    private final EnvelopeVerifier verifier;
    private final EventDispatcher dispatcher;
    private final ReconcileTrigger trigger;
    private final ControlPlaneSettings settings;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final RandomGenerator random;
    private final Backoff backoff;
    private final EventSource.Factory sources;

    // Guarded by this.
    private State state = State.STOPPED;
    private boolean closed;
    private int generation;
    private EventSource current;
    /** When the current stream opened; null while it is not open. */
    private Instant openedAt;
    private int attempt;
    /** The first failure since the stream was last proven healthy; null when healthy. */
    private Instant failingSince;
    /** Counts failure runs, so a fallback timer from an earlier run never starts polling. */
    private long failureRun;
    private boolean polling;
    private TaskScheduler.Scheduled reconnectTask;
    private TaskScheduler.Scheduled fallbackTask;
    private TaskScheduler.Scheduled pollTask;
    private String lastEventId;

    private final Map<String, LongAdder> received = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private volatile Instant lastEventAt;

    public EventStream(ControlPlaneClient client, NodeSession session, EnvelopeVerifier verifier,
                       EventDispatcher dispatcher, ReconcileTrigger trigger, ControlPlaneSettings settings,
                       TaskScheduler scheduler, Clock clock, RandomGenerator random) {
        this.client = Objects.requireNonNull(client, "client");
        this.session = Objects.requireNonNull(session, "session");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.trigger = Objects.requireNonNull(trigger, "trigger");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.backoff = Backoff.DEFAULT;
        this.sources = EventSources.createFactory(client.streamClient(settings.eventIdleTimeout()));
    }

    public synchronized void start() {
        if (state != State.STOPPED || closed) {
            throw new IllegalStateException("event stream already started or closed");
        }
        state = State.CONNECTING;
        connect();
    }

    private synchronized void connect() {
        reconnectTask = null;
        if (closed) {
            return;
        }
        int gen = ++generation;
        NodeIdentity identity = session.identity();
        current = sources.newEventSource(client.eventsRequest(identity, lastEventId), new Listener(gen, identity));
    }

    private final class Listener extends EventSourceListener {
        private final int gen;
        private final NodeIdentity identity;

        Listener(int gen, NodeIdentity identity) {
            this.gen = gen;
            this.identity = identity;
        }

        @Override
        public void onOpen(EventSource source, Response response) {
            boolean recovered;
            synchronized (EventStream.this) {
                if (gen != generation || closed) {
                    return;
                }
                recovered = failingSince != null;
                state = State.CONNECTED;
                openedAt = clock.instant();
            }
            log.atInfo().addKeyValue("node_id", identity.nodeId()).addKeyValue("resumed_after", lastEventId())
                    .log("event stream connected");
            if (recovered) {
                trigger.triggerReconcile();
            }
        }

        @Override
        public void onEvent(EventSource source, String id, String type, String data) {
            synchronized (EventStream.this) {
                if (gen != generation || closed) {
                    return;
                }
                if (id != null) {
                    lastEventId = id;
                }
            }
            lastEventAt = clock.instant();
            if (handle(id, data)) {
                synchronized (EventStream.this) {
                    if (gen == generation && !closed) {
                        provenHealthy();
                    }
                }
            }
        }

        @Override
        public void onClosed(EventSource source) {
            failed(gen, identity, null, null);
        }

        @Override
        public void onFailure(EventSource source, Throwable error, Response response) {
            failed(gen, identity, error, response);
        }
    }

    /**
     * The single path from a frame to the handlers: parse, verify, then dispatch.
     *
     * @return whether the frame was a verified event
     */
    private boolean handle(String sseId, String data) {
        SignedEnvelope envelope;
        try {
            envelope = SignedEnvelope.parse(data);
        } catch (IllegalArgumentException e) {
            // Parser messages may quote the text; only our own field checks are safe to log.
            String detail = e.getCause() == null ? e.getMessage() : "malformed JSON";
            reject(REJECTED_MALFORMED, sseId, null, detail);
            return false;
        }
        try {
            verifier.verify(envelope);
        } catch (VerificationException e) {
            reject(e.reason().label(), envelope.eventId(), envelope.eventType(), e.getMessage());
            return false;
        }
        received.computeIfAbsent(envelope.eventType(), t -> new LongAdder()).increment();
        log.atDebug().addKeyValue("event_id", envelope.eventId()).addKeyValue("event_type", envelope.eventType())
                .log("event verified");
        dispatcher.dispatch(envelope);
        return true;
    }

    private void reject(String reason, String eventId, String eventType, String detail) {
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
        log.atWarn().addKeyValue("reason", reason).addKeyValue("event_id", eventId).addKeyValue("event_type", eventType)
                .addKeyValue("detail", detail).log("event rejected");
    }

    private void failed(int gen, NodeIdentity used, Throwable error, Response response) {
        synchronized (this) {
            if (gen != generation || closed) {
                return;
            }
        }
        int status = response == null ? 0 : response.code();
        Duration retryAfter = null;
        if (status == 401) {
            session.reauthenticate(used);
        } else if (status == 429) {
            retryAfter = RetryAfter.parse(response.header("Retry-After"), clock);
        }
        Duration delay;
        State now;
        synchronized (this) {
            if (gen != generation || closed) {
                return;
            }
            current = null;
            Instant at = clock.instant();
            if (openLongEnough(at)) {
                provenHealthy();
            }
            openedAt = null;
            if (failingSince == null) {
                failingSince = at;
                long run = ++failureRun;
                fallbackTask = scheduler.schedule(settings.pollFallbackAfter(), () -> startPolling(run));
            }
            delay = backoff.delay(attempt++, random);
            if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
                delay = retryAfter;
            }
            state = polling ? State.POLLING : State.RECONNECTING;
            now = state;
            reconnects.incrementAndGet();
            reconnectTask = scheduler.schedule(delay, this::connect);
        }
        String why = error != null ? error + (status != 0 ? " (HTTP " + status + ")" : "")
                : status != 0 ? "HTTP " + status : "stream ended by the control plane";
        log.atWarn().addKeyValue("error", why).addKeyValue("retry_in_ms", delay.toMillis()).addKeyValue("state", now)
                .log("event stream down; reconnecting");
    }

    private boolean openLongEnough(Instant at) {
        return openedAt != null && Duration.between(openedAt, at).compareTo(PROVEN_AFTER) >= 0;
    }

    /** The stream works: the next failure starts the backoff and the fallback clock afresh. Holds the lock. */
    private void provenHealthy() {
        if (failingSince == null && !polling) {
            return;
        }
        boolean wasPolling = polling;
        attempt = 0;
        failingSince = null;
        polling = false;
        if (fallbackTask != null) {
            fallbackTask.cancel();
            fallbackTask = null;
        }
        if (pollTask != null) {
            pollTask.cancel();
            pollTask = null;
        }
        log.atInfo().addKeyValue("was_polling", wasPolling).log("event stream healthy; backoff reset");
    }

    /** Runs {@code pollFallbackAfter} after the first failure of {@code run}, unless the stream proved healthy meanwhile. */
    private void startPolling(long run) {
        Instant since;
        synchronized (this) {
            if (closed || run != failureRun || failingSince == null) {
                return;
            }
            fallbackTask = null;
            since = failingSince;
            polling = true;
            if (state != State.CONNECTED) {
                state = State.POLLING;
            }
        }
        log.atWarn().addKeyValue("failing_since", since.toString())
                .addKeyValue("poll_interval_ms", settings.pollInterval().toMillis())
                .log("event stream failing too long; polling state");
        poll();
    }

    private void poll() {
        synchronized (this) {
            pollTask = null;
            if (closed || !polling) {
                return;
            }
            // An open stream that lasted long enough ends the fallback even if it carried no event.
            if (openLongEnough(clock.instant())) {
                provenHealthy();
                return;
            }
        }
        polls.incrementAndGet();
        trigger.triggerReconcile();
        synchronized (this) {
            if (!closed && polling) {
                pollTask = scheduler.schedule(settings.pollInterval(), this::poll);
            }
        }
    }

    public synchronized State state() {
        return state;
    }

    /** Verified events by {@code event_type}. */
    public Map<String, Long> eventsReceived() {
        return snapshot(received);
    }

    /** Rejected frames by reason ({@link VerificationException.Reason#label()} or {@value #REJECTED_MALFORMED}). */
    public Map<String, Long> eventsRejected() {
        return snapshot(rejected);
    }

    /** How many times the stream had to be reopened. */
    public long reconnects() {
        return reconnects.get();
    }

    /** Reconciles triggered by the polling fallback. */
    public long pollsTriggered() {
        return polls.get();
    }

    public synchronized String lastEventId() {
        return lastEventId;
    }

    /** When the last frame arrived, or null. */
    public Instant lastEventAt() {
        return lastEventAt;
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((key, value) -> copy.put(key, value.sum()));
        return copy;
    }

    @Override
    public synchronized void close() {
        closed = true;
        state = State.STOPPED;
        if (current != null) {
            current.cancel();
            current = null;
        }
        if (reconnectTask != null) {
            reconnectTask.cancel();
        }
        if (fallbackTask != null) {
            fallbackTask.cancel();
        }
        if (pollTask != null) {
            pollTask.cancel();
        }
    }
}
