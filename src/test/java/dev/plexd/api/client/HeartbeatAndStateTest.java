package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVectors;
import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventDispatcher;
import dev.plexd.api.EventTypes;
import dev.plexd.api.HeartbeatRequest;
import dev.plexd.api.Json;
import dev.plexd.api.MutableClock;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.SigningKeys;
import dev.plexd.reconcile.DriftReport;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HttpStateSource, HeartbeatLoop and the event handler wiring. */
class HeartbeatAndStateTest {

    private static final Instant NOW = EnvelopeVectors.NOW;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(NOW);
    private final ManualScheduler scheduler = new ManualScheduler();
    private final AtomicInteger reconciles = new AtomicInteger();
    private MockWebServer server;
    private ControlPlaneClient client;
    private NodeSession session;
    private EnvelopeVerifier verifier;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        ControlPlaneSettings settings = ControlPlaneSettings.defaults().withUrl(server.url("/").toString()).withDataDir(dir);
        new IdentityStore(dir).save(new NodeIdentity("node-a", "10.100.0.1", null, "nsk", "priv", "pub", "node-a", NOW));
        client = new ControlPlaneClient(settings, clock);
        verifier = new EnvelopeVerifier(null, clock);
        session = new NodeSession(settings, client, new IdentityStore(dir), verifier, Map.of(), Backoff.DEFAULT,
                BackoffTest.MIDDLE, d -> { }, clock);
        session.ensureRegistered();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static MockResponse json(String body) {
        return new MockResponse.Builder().addHeader("Content-Type", "application/json").body(body).build();
    }

    @Test
    void stateSigningKeysReachTheVerifierAndBadOnesAreIgnored() throws Exception {
        HttpStateSource source = new HttpStateSource(client, session, verifier);
        String current = EnvelopeVectors.key("current");
        server.enqueue(json("{\"peers\":[],\"signing_keys\":{\"current\":\"" + current + "\"}}"));
        assertThat(source.fetchState().signingKeys().current()).isEqualTo(current);
        assertThat(verifier.keys()).isEqualTo(SigningKeys.of(current));

        server.enqueue(json("{\"signing_keys\":{\"current\":\"short\"}}"));
        source.fetchState();
        assertThat(verifier.keys()).isEqualTo(SigningKeys.of(current));

        server.enqueue(new MockResponse.Builder().code(502).build());
        assertThatThrownBy(source::fetchState).isInstanceOf(ControlPlaneException.class);
    }

    @Test
    void aStateFetchWaitsForRetryAfterWithoutSendingAndFailsFastSayingUntilWhen() throws Exception {
        HttpStateSource source = new HttpStateSource(client, session, verifier);
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "120").build());
        assertThatThrownBy(source::fetchState).isInstanceOfSatisfying(RateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(120)));
        assertThat(server.getRequestCount()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(119));
        assertThatThrownBy(source::fetchState).isInstanceOfSatisfying(RateLimitedException.class, e -> {
            assertThat(e).hasMessageContaining("GET /v1/nodes/{id}/state not sent")
                    .hasMessageContaining("no request before " + NOW.plusSeconds(120));
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
        });
        assertThat(server.getRequestCount()).as("nothing sent before the time asked").isEqualTo(1);

        // Another endpoint was not rate-limited: drift reports still go out.
        server.enqueue(new MockResponse.Builder().code(204).build());
        source.reportDrift(new DriftReport(NOW, List.of()));
        assertThat(server.getRequestCount()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        server.enqueue(json("{\"peers\":[]}"));
        assertThat(source.fetchState().peers()).isEmpty();
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void aDriftReportHonoursAnHttpDateRetryAfterAndA429WithoutOneWaitsForNothing() throws Exception {
        HttpStateSource source = new HttpStateSource(client, session, verifier);
        DriftReport report = new DriftReport(NOW, List.of(new DriftReport.Correction("peer_added", "p1")));
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After",
                DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(30).atZone(ZoneOffset.UTC))).build());
        assertThatThrownBy(() -> source.reportDrift(report)).isInstanceOf(RateLimitedException.class);

        clock.advance(Duration.ofSeconds(10));
        assertThatThrownBy(() -> source.reportDrift(report)).isInstanceOf(RateLimitedException.class)
                .hasMessageContaining("POST /v1/nodes/{id}/drift not sent")
                .hasMessageContaining(NOW.plusSeconds(30).toString());
        assertThat(server.getRequestCount()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(20));
        server.enqueue(new MockResponse.Builder().code(429).build());
        assertThatThrownBy(() -> source.reportDrift(report)).isInstanceOf(RateLimitedException.class);
        server.enqueue(new MockResponse.Builder().code(204).build());
        source.reportDrift(report);
        assertThat(server.getRequestCount()).as("no Retry-After: the next call goes out").isEqualTo(3);
    }

    @Test
    void driftIsPostedForTheNode() throws Exception {
        server.enqueue(new MockResponse.Builder().code(204).build());
        new HttpStateSource(client, session, verifier).reportDrift(new DriftReport(NOW,
                List.of(new DriftReport.Correction("policy_added", "p1"))));
        var request = server.takeRequest();
        assertThat(request.getUrl().encodedPath()).isEqualTo("/v1/nodes/node-a/drift");
        assertThat(Json.MAPPER.readTree(request.getBody().utf8()).get("corrections").get(0).get("detail").asText()).isEqualTo("p1");
    }

    @Test
    void heartbeatsRunEveryIntervalAndActOnTheAnswer() throws Exception {
        AtomicInteger rotations = new AtomicInteger();
        HeartbeatLoop loop = new HeartbeatLoop(client, session, reconciles::incrementAndGet, Duration.ofSeconds(30),
                scheduler, clock, () -> new HeartbeatRequest.Mesh("plexd0", 2, 51820), rotations::incrementAndGet);
        loop.start();
        ManualScheduler.Task first = scheduler.next();
        assertThat(first.delay).isZero();

        clock.advance(Duration.ofSeconds(65));
        server.enqueue(json("{\"reconcile\":true,\"rotate_keys\":true}"));
        first.run();
        assertThat(reconciles).hasValue(1);
        assertThat(rotations).hasValue(1);
        assertThat(loop.lastHeartbeatAt()).isEqualTo(NOW.plusSeconds(65));
        assertThat(loop.heartbeatsSent()).isEqualTo(1);
        var body = Json.MAPPER.readTree(server.takeRequest().getBody().utf8());
        assertThat(body.get("uptime").asText()).isEqualTo("1m5s");
        assertThat(body.get("mesh").get("peer_count").asInt()).isEqualTo(2);

        ManualScheduler.Task second = scheduler.next();
        assertThat(second.delay).isEqualTo(Duration.ofSeconds(30));
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "300").build());
        second.run();
        assertThat(loop.heartbeatFailures()).isEqualTo(1);
        ManualScheduler.Task third = scheduler.next();
        assertThat(third.delay).as("Retry-After longer than the interval is honoured").isEqualTo(Duration.ofSeconds(300));

        server.enqueue(new MockResponse.Builder().code(500).build());
        third.run();
        assertThat(loop.heartbeatFailures()).isEqualTo(2);
        assertThat(scheduler.next().delay).isEqualTo(Duration.ofSeconds(30));
        assertThat(loop.lastHeartbeatAt()).isEqualTo(NOW.plusSeconds(65));

        loop.close();
    }

    @Test
    void eventHandlersOnlyTriggerReconcilesAndRotateKeys() throws Exception {
        EventDispatcher dispatcher = new EventDispatcher();
        verifier.setKeys(SigningKeys.of(EnvelopeVectors.key("current")));
        EventHandlers.register(dispatcher, reconciles::incrementAndGet, verifier);

        dispatcher.dispatch(new SignedEnvelope(EventTypes.POLICY_UPDATED, "e1", NOW, "n", "{}", "s"));
        for (String type : EventTypes.PEER_EVENTS) {
            dispatcher.dispatch(new SignedEnvelope(type, "e-" + type, NOW, "n", "{\"id\":\"x\"}", "s"));
        }
        assertThat(reconciles).hasValue(1 + EventTypes.PEER_EVENTS.size());

        SignedEnvelope rotation = EnvelopeVectors.envelope("rotation");
        verifier.verify(rotation);
        dispatcher.dispatch(rotation);
        assertThat(verifier.keys().current()).isEqualTo(EnvelopeVectors.key("other"));

        dispatcher.dispatch(new SignedEnvelope(EventTypes.SIGNING_KEY_ROTATED, "e9", NOW, "n", "{\"current\":\"\"}", "s"));
        assertThat(verifier.keys().current()).as("an empty rotation changes nothing").isEqualTo(EnvelopeVectors.key("other"));
    }

    @Test
    void uptimeIsWrittenLikeGoDurations() {
        assertThat(HeartbeatRequest.uptimeText(Duration.ZERO)).isEqualTo("0s");
        assertThat(HeartbeatRequest.uptimeText(Duration.ofSeconds(59))).isEqualTo("59s");
        assertThat(HeartbeatRequest.uptimeText(Duration.ofSeconds(3600))).isEqualTo("1h0m0s");
        assertThat(HeartbeatRequest.uptimeText(Duration.ofHours(50).plusSeconds(61))).isEqualTo("50h1m1s");
    }
}
