package dev.plexd.api.client;

import ch.qos.logback.classic.Level;
import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventDispatcher;
import dev.plexd.api.MutableClock;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.SigningKeys;
import dev.plexd.testing.LogCapture;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The SSE stream against MockWebServer; reconnect delays are read from a manual scheduler, never slept. */
class EventStreamTest {

    private static final Instant NOW = Instant.parse("2025-01-15T10:30:00Z");

    @TempDir
    Path dir;

    private final TestSigner signer = new TestSigner();
    private final MutableClock clock = new MutableClock(NOW);
    private final ManualScheduler scheduler = new ManualScheduler();
    private final AtomicInteger reconciles = new AtomicInteger();
    private final List<SignedEnvelope> handled = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private MockWebServer server;
    private ControlPlaneClient client;
    private EventStream stream;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (stream != null) {
            stream.close();
        }
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private EventStream stream(ControlPlaneSettings overrides) throws Exception {
        return stream(overrides, BackoffTest.MIDDLE);
    }

    private EventStream stream(ControlPlaneSettings overrides, java.util.random.RandomGenerator random) throws Exception {
        ControlPlaneSettings settings = overrides.withUrl(server.url("/").toString()).withDataDir(dir)
                .withHostname("node-a").withBootstrapToken("tok").withRequestTimeout(Duration.ofSeconds(5));
        new IdentityStore(dir).save(new NodeIdentity("node-a", "10.100.0.1", signer.publicKey(), "nsk-old",
                "priv", "pub", "node-a", NOW));
        client = new ControlPlaneClient(settings, clock);
        EnvelopeVerifier verifier = new EnvelopeVerifier(SigningKeys.of(signer.publicKey()), clock);
        NodeSession session = new NodeSession(settings, client, new IdentityStore(dir), verifier, Map.of(),
                Backoff.DEFAULT, BackoffTest.MIDDLE, d -> { }, clock);
        session.ensureRegistered();
        EventDispatcher dispatcher = new EventDispatcher();
        dispatcher.register("policy_updated", handled::add);
        stream = new EventStream(client, session, verifier, dispatcher, reconciles::incrementAndGet, settings,
                scheduler, clock, random);
        return stream;
    }

    private static MockResponse sse(String body) {
        return new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(body).build();
    }

    /** An event stream that sends {@code prefix} and then stays open, silent, until {@link #release}. */
    private MockResponse openSse(String prefix) {
        return new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(new MockResponseBody() {
            @Override
            public long getContentLength() {
                return -1;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8(prefix);
                sink.flush();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build(); // released: the stream ends
    }

    /** The first failure schedules the polling fallback (5 minutes on) before the reconnect; returns the reconnect. */
    private ManualScheduler.Task reconnectAfterFirstFailure() throws InterruptedException {
        ManualScheduler.Task fallback = scheduler.next();
        assertThat(fallback.delay).as("the polling fallback").isEqualTo(Duration.ofMinutes(5));
        return scheduler.next();
    }

    /** The reconnects that ran, their delays and total, and the one pending after them. */
    private record FailedReconnects(List<Duration> delays, Duration elapsed, ManualScheduler.Task next) {
    }

    /**
     * Runs each scheduled reconnect, answered by {@code failure}, until the next one would come
     * after the 5-minute mark; {@code afterEach} checks the stream after every attempt.
     */
    private FailedReconnects failUntilTheFiveMinuteMark(Supplier<MockResponse> failure, Runnable afterEach)
            throws InterruptedException {
        ManualScheduler.Task reconnect = scheduler.next();
        Duration elapsed = Duration.ZERO;
        List<Duration> delays = new ArrayList<>();
        while (elapsed.plus(reconnect.delay).compareTo(Duration.ofMinutes(5)) < 0) {
            delays.add(reconnect.delay);
            elapsed = elapsed.plus(reconnect.delay);
            clock.advance(reconnect.delay);
            server.enqueue(failure.get());
            reconnect.run();
            reconnect = scheduler.next();
            afterEach.run();
        }
        return new FailedReconnects(delays, elapsed, reconnect);
    }

    private static MockResponse status(int code) {
        return new MockResponse.Builder().code(code).body("{\"error\":\"x\"}").build();
    }

    @Test
    void framesAreParsedVerifiedAndDispatchedAndTheStreamResumesAfterTheLastId() throws Exception {
        String good = signer.envelope("policy_updated", "evt-1", NOW, "{\"id\":\"pol-1\"}");
        // A multi-line data field: the lines are joined with "\n", which is JSON whitespace here.
        String multiLine = good.replaceFirst(",\"event_id\"", ",\ndata: \"event_id\"");
        String forged = signer.envelope("policy_updated", "evt-2", NOW, "{\"id\":\"pol-2\"}").replace("pol-2", "pol-X");
        String unknownType = signer.envelope("something_new", "evt-3", NOW, "{}");
        server.enqueue(sse(": keep-alive\n\n"
                + "id: 7\nevent: not-the-routing-key\ndata: " + multiLine + "\n\n"
                + ": another comment\n"
                + "id: 8\ndata: " + forged + "\n\n"
                + "data: this is not json\n\n"
                + "id: 9\ndata: " + unknownType + "\n\n"
                + "id: 10\ndata: " + good + "\n\n"));
        EventStream stream = stream(ControlPlaneSettings.defaults());

        stream.start();
        ManualScheduler.Task reconnect = reconnectAfterFirstFailure();

        assertThat(handled).singleElement().satisfies(e -> {
            assertThat(e.eventId()).isEqualTo("evt-1");
            assertThat(e.payload()).isEqualTo("{\"id\":\"pol-1\"}");
        });
        assertThat(stream.eventsReceived()).isEqualTo(Map.of("policy_updated", 1L, "something_new", 1L));
        assertThat(stream.eventsRejected()).isEqualTo(Map.of("bad_signature", 1L, "malformed", 1L, "replayed", 1L));
        assertThat(stream.lastEventId()).isEqualTo("10");
        assertThat(stream.lastEventAt()).isEqualTo(NOW);
        RecordedRequest first = server.takeRequest();
        assertThat(first.getUrl().encodedPath()).isEqualTo("/v1/nodes/node-a/events");
        assertThat(first.getHeaders().get("Accept")).isEqualTo("text/event-stream");
        assertThat(first.getHeaders().get("Authorization")).isEqualTo("Bearer nsk-old");
        assertThat(first.getHeaders().get("Last-Event-ID")).isNull();

        // The server ended the stream: reconnect after 1 s with Last-Event-ID.
        assertThat(reconnect.delay).isEqualTo(Duration.ofSeconds(1));
        assertThat(stream.state()).isEqualTo(EventStream.State.RECONNECTING);
        server.enqueue(openSse(": hello\n\n"));
        reconnect.run();
        RecordedRequest second = server.takeRequest(10, TimeUnit.SECONDS);
        assertThat(second.getHeaders().get("Last-Event-ID")).isEqualTo("10");
        awaitState(stream, EventStream.State.CONNECTED);
        until("a reconnect after a failure catches up with one reconcile", () -> reconciles.get() == 1);
        assertThat(stream.reconnects()).isEqualTo(1);
    }

    @Test
    void aRejectedEventIsLoggedWithReasonIdAndTypeButNeverItsPayload() throws Exception {
        String secret = "TOPSECRET-psk-c2VjcmV0LXBzaw";
        String payload = "{\"id\":\"peer-9\",\"psk\":\"" + secret + "\"}";
        String good = signer.envelope("peer_added", "evt-good", NOW, payload);
        String forged = signer.envelope("policy_updated", "evt-forged", NOW, payload).replace("peer-9", "peer-X");
        String stale = signer.envelope("peer_key_rotated", "evt-stale", NOW.minus(Duration.ofMinutes(10)), payload);
        String malformed = "{\"event_type\":\"peer_added\",\"payload\":{\"psk\":\"" + secret + "\"";
        server.enqueue(sse("id: 1\ndata: " + good + "\n\n"
                + "id: 2\ndata: " + forged + "\n\n"
                + "id: 3\ndata: " + stale + "\n\n"
                + "id: 4\ndata: " + good + "\n\n"
                + "id: 5\ndata: " + malformed + "\n\n"));
        EventStream stream = stream(ControlPlaneSettings.defaults());

        try (LogCapture logs = LogCapture.of("dev.plexd")) {
            stream.start();
            reconnectAfterFirstFailure(); // the stream ended after the frames: every one of them was handled

            List<Map<String, String>> rejections = logs.events().stream()
                    .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().equals("event rejected"))
                    .map(LogCapture::fields).toList();
            assertThat(rejections).extracting(f -> f.get("reason"), f -> f.get("event_id"), f -> f.get("event_type"))
                    .containsExactly(
                            tuple("bad_signature", "evt-forged", "policy_updated"),
                            tuple("stale", "evt-stale", "peer_key_rotated"),
                            tuple("replayed", "evt-good", "peer_added"),
                            tuple("malformed", "5", "null"));
            assertThat(rejections).allSatisfy(f -> assertThat(f.get("detail")).isNotBlank());
            assertThat(stream.eventsRejected()).isEqualTo(Map.of("bad_signature", 1L, "stale", 1L, "replayed", 1L, "malformed", 1L));
            assertThat(logs.text()).as("no payload text in any log line").doesNotContain(secret).doesNotContain("peer-9");
        }
    }

    @Test
    void failuresBackOffAndAtTheFiveMinuteMarkTheStateIsPolledUntilTheStreamProvesHealthy() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults());
        server.enqueue(status(500));
        stream.start();

        ManualScheduler.Task fallback = scheduler.next();
        FailedReconnects failed = failUntilTheFiveMinuteMark(() -> status(500),
                () -> assertThat(stream.state()).isEqualTo(EventStream.State.RECONNECTING));
        List<Duration> delays = failed.delays();
        Duration elapsed = failed.elapsed();
        ManualScheduler.Task reconnect = failed.next();
        assertThat(reconciles).hasValue(0);
        assertThat(delays).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
        assertThat(reconnect.delay).as("the next reconnect would come after the 5-minute mark").isEqualTo(Duration.ofSeconds(60));

        // At the mark itself, not at the first failure after it, polling starts: one reconcile at once.
        clock.advance(Duration.ofMinutes(5).minus(elapsed));
        fallback.run();
        assertThat(stream.state()).isEqualTo(EventStream.State.POLLING);
        assertThat(reconciles).hasValue(1);
        ManualScheduler.Task poll = scheduler.next();
        assertThat(poll.delay).isEqualTo(Duration.ofSeconds(60));
        poll.run();
        assertThat(reconciles).hasValue(2);
        assertThat(stream.pollsTriggered()).isEqualTo(2);
        ManualScheduler.Task nextPoll = scheduler.next();

        server.enqueue(openSse(": back\n\n"));
        reconnect.run();
        awaitState(stream, EventStream.State.CONNECTED);
        until("one catch-up reconcile on reconnect", () -> reconciles.get() == 3);
        // Open, but not proven yet: polling goes on until the stream has lasted PROVEN_AFTER.
        clock.advance(EventStream.PROVEN_AFTER);
        nextPoll.run();
        assertThat(reconciles).as("polling stopped once the stream proved healthy").hasValue(3);
        assertThat(scheduler.isEmpty()).as("no further poll").isTrue();
    }

    @Test
    void aServerThatAcceptsAndDropsTheStreamAtOnceGetsBackoffAndPollingNotAReconnectEverySecond() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults(), new java.util.Random(7));
        server.enqueue(sse(""));
        stream.start();

        ManualScheduler.Task fallback = scheduler.next();
        assertThat(fallback.delay).isEqualTo(Duration.ofMinutes(5));
        int[] requests = {server.getRequestCount()};
        FailedReconnects failed = failUntilTheFiveMinuteMark(() -> sse(""), () -> {
            assertThat(server.getRequestCount()).as("the stream was accepted again").isEqualTo(requests[0] + 1);
            requests[0]++;
        });
        List<Duration> delays = failed.delays();
        Duration elapsed = failed.elapsed();

        // 1 s doubling to 60 s, each within ±25 %: the accepted-then-dropped streams never reset the backoff.
        long[] nominal = {1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60};
        assertThat(delays).hasSizeGreaterThanOrEqualTo(6);
        for (int i = 0; i < delays.size(); i++) {
            assertThat(delays.get(i).toMillis()).as("delay %d", i)
                    .isBetween(Math.round(nominal[i] * 750.0), Math.round(nominal[i] * 1250.0));
        }
        assertThat(stream.pollsTriggered()).isZero();

        clock.advance(Duration.ofMinutes(5).minus(elapsed));
        int beforeFallback = reconciles.get();
        fallback.run();
        assertThat(stream.state()).isEqualTo(EventStream.State.POLLING);
        assertThat(stream.pollsTriggered()).isEqualTo(1);
        assertThat(reconciles).hasValue(beforeFallback + 1);
        assertThat(scheduler.next().delay).as("the next poll").isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aStreamThatLastedLongEnoughOrDeliveredAnEventResetsTheBackoff() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults());
        server.enqueue(status(500));
        stream.start();
        ManualScheduler.Task fallback = scheduler.next();
        ManualScheduler.Task reconnect = scheduler.next();
        for (int i = 0; i < 3; i++) {
            server.enqueue(status(500));
            reconnect.run();
            reconnect = scheduler.next();
        }
        assertThat(reconnect.delay).isEqualTo(Duration.ofSeconds(8));

        // A stream that carries a verified event is healthy, even if it ends right after.
        server.enqueue(sse("id: 1\ndata: " + signer.envelope("peer_added", "evt-1", NOW, "{\"id\":\"x\"}") + "\n\n"));
        reconnect.run();
        ManualScheduler.Task next = scheduler.next();
        assertThat(next.delay).as("a new fallback clock").isEqualTo(Duration.ofMinutes(5));
        fallback.run();
        assertThat(stream.pollsTriggered()).as("the old fallback was called off").isZero();
        fallback = next;
        reconnect = scheduler.next();
        assertThat(reconnect.delay).isEqualTo(Duration.ofSeconds(1));

        // Same for a silent stream that stayed open PROVEN_AFTER; a shorter one does not count.
        server.enqueue(status(500));
        reconnect.run();
        reconnect = scheduler.next();
        assertThat(reconnect.delay).isEqualTo(Duration.ofSeconds(2));
        server.enqueue(openSse(": open\n\n"));
        reconnect.run();
        awaitState(stream, EventStream.State.CONNECTED);
        clock.advance(EventStream.PROVEN_AFTER);
        release.countDown(); // the server ends the open stream
        assertThat(scheduler.next().delay).as("a new fallback clock").isEqualTo(Duration.ofMinutes(5));
        assertThat(scheduler.next().delay).isEqualTo(Duration.ofSeconds(1));
        fallback.run();
        assertThat(stream.pollsTriggered()).isZero();
    }

    @Test
    void unauthorizedReauthenticatesAndReconnectsWithTheNewSecret() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults());
        server.enqueue(status(401));
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .body("{\"node_id\":\"node-a\",\"mesh_ip\":\"10.100.0.1\",\"signing_public_key\":\"" + signer.publicKey()
                        + "\",\"node_secret_key\":\"nsk-new\"}").build());
        stream.start();

        ManualScheduler.Task reconnect = reconnectAfterFirstFailure();
        assertThat(reconnect.delay).isEqualTo(Duration.ofSeconds(1));
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer nsk-old");
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/register");

        server.enqueue(openSse(": ok\n\n"));
        reconnect.run();
        assertThat(server.takeRequest(10, TimeUnit.SECONDS).getHeaders().get("Authorization")).isEqualTo("Bearer nsk-new");
        awaitState(stream, EventStream.State.CONNECTED);
    }

    @Test
    void tooManyRequestsWaitsForRetryAfter() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults());
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "120").build());
        stream.start();

        assertThat(reconnectAfterFirstFailure().delay).isEqualTo(Duration.ofSeconds(120));
        assertThat(stream.state()).isEqualTo(EventStream.State.RECONNECTING);
    }

    @Test
    void aSilentStreamIsReconnectedAfterTheIdleTimeout() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults().withEventIdleTimeout(Duration.ofMillis(300)));
        server.enqueue(openSse(": connected\n\n"));
        stream.start();

        ManualScheduler.Task reconnect = reconnectAfterFirstFailure();

        assertThat(reconnect.delay).isEqualTo(Duration.ofSeconds(1));
        assertThat(stream.state()).isEqualTo(EventStream.State.RECONNECTING);
    }

    @Test
    void aResponseThatIsNotAnEventStreamIsRetried() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults());
        server.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body("{}").build());
        stream.start();

        assertThat(reconnectAfterFirstFailure().delay).isEqualTo(Duration.ofSeconds(1));
        assertThat(stream.state()).isEqualTo(EventStream.State.RECONNECTING);
        assertThat(stream.eventsReceived()).isEmpty();
    }

    @Test
    void closingStopsEverything() throws Exception {
        EventStream stream = stream(ControlPlaneSettings.defaults());
        server.enqueue(status(500));
        stream.start();
        ManualScheduler.Task fallback = scheduler.next();
        ManualScheduler.Task reconnect = scheduler.next();
        stream.close();
        reconnect.run();
        fallback.run();
        assertThat(stream.state()).isEqualTo(EventStream.State.STOPPED);
        assertThat(stream.pollsTriggered()).isZero();
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    private static void awaitState(EventStream stream, EventStream.State expected) throws InterruptedException {
        until("state " + expected, () -> stream.state() == expected);
    }
}
