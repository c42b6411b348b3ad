package dev.plexd.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.Version;
import dev.plexd.api.HeartbeatRequest;
import dev.plexd.api.HeartbeatResponse;
import dev.plexd.api.Json;
import dev.plexd.api.MutableClock;
import dev.plexd.api.RegisterRequest;
import dev.plexd.api.RegisterResponse;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.DriftReport;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import okio.GzipSink;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlPlaneClientTest {

    private static final Instant NOW = Instant.parse("2025-01-15T10:30:00Z");
    private static final NodeIdentity NODE = new NodeIdentity("node-1", "10.100.0.1", "sig", "s3cret-node",
            "priv", "pub", "host-1", NOW);

    private MockWebServer server;
    private ControlPlaneClient client;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
        client = new ControlPlaneClient(ControlPlaneSettings.defaults().withUrl(server.url("/api/").toString())
                .withRequestTimeout(Duration.ofSeconds(5)), new MutableClock(NOW));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    private static void assertCommonHeaders(RecordedRequest request, String bearer) {
        assertThat(request.getHeaders().get("User-Agent")).isEqualTo(Version.userAgent()).startsWith("plexd/");
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/json");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + bearer);
        assertThat(request.getHeaders().get("Accept-Encoding")).isEqualTo("gzip");
    }

    private static JsonNode body(RecordedRequest request) throws IOException {
        assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
        return Json.MAPPER.readTree(request.getBody().utf8());
    }

    @Test
    void registerPostsTheTokenKeyAndHostname() throws Exception {
        server.enqueue(json(200, """
                {"node_id":"node-1","mesh_ip":"10.100.0.1","signing_public_key":"c2ln","node_secret_key":"nsk",
                 "peers":[{"id":"node-2","public_key":"k2","mesh_ip":"10.100.0.2"}],"extra":1}"""));

        RegisterResponse response = client.register(new RegisterRequest("boot-token", "wg-pub", "host-1", Map.of("role", "edge")));

        assertThat(response.nodeId()).isEqualTo("node-1");
        assertThat(response.nodeSecretKey()).isEqualTo("nsk");
        assertThat(response.peers()).singleElement().extracting(p -> p.meshIp()).isEqualTo("10.100.0.2");
        assertThat(response.toString()).doesNotContain("nsk");
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/register");
        assertCommonHeaders(request, "boot-token");
        JsonNode body = body(request);
        assertThat(body.get("token").asText()).isEqualTo("boot-token");
        assertThat(body.get("public_key").asText()).isEqualTo("wg-pub");
        assertThat(body.get("hostname").asText()).isEqualTo("host-1");
        assertThat(body.get("metadata").get("role").asText()).isEqualTo("edge");
    }

    @Test
    void fetchStateReadsAGzippedResponse() throws Exception {
        Buffer gzipped = new Buffer();
        try (var sink = Okio.buffer(new GzipSink(gzipped))) {
            sink.writeUtf8("{\"peers\":[{\"id\":\"node-2\",\"public_key\":\"k\",\"mesh_ip\":\"10.100.0.2\"}],"
                    + "\"policies\":[{\"id\":\"p\",\"rules\":[]}],\"signing_keys\":{\"current\":\"c\"}}");
        }
        server.enqueue(new MockResponse.Builder().addHeader("Content-Encoding", "gzip")
                .addHeader("Content-Type", "application/json").body(gzipped).build());

        StateResponse state = client.fetchState(NODE);

        assertThat(state.peers()).singleElement().extracting(p -> p.id()).isEqualTo("node-2");
        assertThat(state.signingKeys().current()).isEqualTo("c");
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("GET");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/nodes/node-1/state");
        assertCommonHeaders(request, "s3cret-node");
    }

    @Test
    void heartbeatPostsStatusAndMesh() throws Exception {
        server.enqueue(json(200, "{\"reconcile\":true,\"rotate_keys\":false}"));

        HeartbeatResponse response = client.heartbeat(NODE, new HeartbeatRequest("node-1", NOW, "healthy",
                HeartbeatRequest.uptimeText(Duration.ofSeconds(3725)), new HeartbeatRequest.Mesh("plexd0", 3, 51820)));

        assertThat(response).isEqualTo(new HeartbeatResponse(true, false));
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/nodes/node-1/heartbeat");
        assertCommonHeaders(request, "s3cret-node");
        JsonNode body = body(request);
        assertThat(body.get("node_id").asText()).isEqualTo("node-1");
        assertThat(body.get("timestamp").asText()).isEqualTo("2025-01-15T10:30:00Z");
        assertThat(body.get("status").asText()).isEqualTo("healthy");
        assertThat(body.get("uptime").asText()).isEqualTo("1h2m5s");
        assertThat(body.get("mesh").get("interface").asText()).isEqualTo("plexd0");
        assertThat(body.get("mesh").get("peer_count").asInt()).isEqualTo(3);
        assertThat(body.get("mesh").get("listen_port").asInt()).isEqualTo(51820);
    }

    @Test
    void driftAndDeregisterPostToTheirPaths() throws Exception {
        server.enqueue(new MockResponse.Builder().code(204).build());
        server.enqueue(new MockResponse.Builder().code(204).build());

        client.reportDrift(NODE, new DriftReport(NOW, List.of(new DriftReport.Correction("peer_added", "node-2"))));
        client.deregister(NODE);

        RecordedRequest drift = server.takeRequest();
        assertThat(drift.getMethod()).isEqualTo("POST");
        assertThat(drift.getUrl().encodedPath()).isEqualTo("/api/v1/nodes/node-1/drift");
        assertCommonHeaders(drift, "s3cret-node");
        JsonNode body = body(drift);
        assertThat(body.get("timestamp").asText()).isEqualTo("2025-01-15T10:30:00Z");
        assertThat(body.get("corrections").get(0).get("type").asText()).isEqualTo("peer_added");
        assertThat(body.get("corrections").get(0).get("detail").asText()).isEqualTo("node-2");
        RecordedRequest deregister = server.takeRequest();
        assertThat(deregister.getMethod()).isEqualTo("POST");
        assertThat(deregister.getUrl().encodedPath()).isEqualTo("/api/v1/nodes/node-1/deregister");
        assertCommonHeaders(deregister, "s3cret-node");
    }

    @Test
    void nodeIdsAreEncodedAsOnePathSegment() throws Exception {
        server.enqueue(json(200, "{}"));
        client.fetchState(new NodeIdentity("a/b c", null, null, "s", null, null, null, NOW));
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/api/v1/nodes/a%2Fb%20c/state");
    }

    @Test
    void errorStatusesCarryTheStatusAndABoundedExcerpt() {
        server.enqueue(json(503, "x".repeat(5000)));
        assertThatThrownBy(() -> client.fetchState(NODE))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.bodyExcerpt()).hasSize(ControlPlaneException.MAX_BODY_EXCERPT + 1);
                    assertThat(e.getMessage()).startsWith("control plane: GET /api/v1/nodes/node-1/state: HTTP 503: xxx");
                });

        server.enqueue(json(403, "{\"error\":\"forbidden\\n\"}"));
        assertThatThrownBy(() -> client.fetchState(NODE))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.bodyExcerpt()).isEqualTo("{\"error\":\"forbidden\\n\"}");
                });
    }

    @Test
    void unauthorizedAndRateLimitedHaveTheirOwnTypes() {
        server.enqueue(json(401, "{\"error\":\"bad secret\"}"));
        assertThatThrownBy(() -> client.fetchState(NODE)).isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("HTTP 401").hasMessageNotContaining("s3cret-node");

        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "7").build());
        assertThatThrownBy(() -> client.fetchState(NODE)).isInstanceOfSatisfying(RateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));

        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "Wed, 15 Jan 2025 10:32:00 GMT").build());
        assertThatThrownBy(() -> client.fetchState(NODE)).isInstanceOfSatisfying(RateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofMinutes(2)));

        server.enqueue(new MockResponse.Builder().code(429).build());
        assertThatThrownBy(() -> client.fetchState(NODE)).isInstanceOfSatisfying(RateLimitedException.class,
                e -> assertThat(e.retryAfter()).isEmpty());
    }

    @Test
    void malformedOrEmptyResponsesFailTheCall() {
        server.enqueue(json(200, "{\"peers\": [oops"));
        assertThatThrownBy(() -> client.fetchState(NODE)).isInstanceOf(ControlPlaneException.class)
                .hasMessageContaining("malformed response");
        server.enqueue(json(200, ""));
        assertThatThrownBy(() -> client.fetchState(NODE)).isInstanceOf(ControlPlaneException.class)
                .hasMessageContaining("empty response");
    }

    @Test
    void retryAfterIsCappedAndNeverNegative() {
        MutableClock clock = new MutableClock(NOW);
        assertThat(RetryAfter.parse("999999", clock)).isEqualTo(RetryAfter.MAX);
        assertThat(RetryAfter.parse("Wed, 15 Jan 2025 10:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse(null, clock)).isNull();
    }
}
