package dev.plexd.daemon.api;

import dev.plexd.api.Json;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.logging.LogSetup;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.StateDiff;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiServerTest {

    static final String TOKEN = "0123456789abcdef-token";

    @TempDir
    Path dir;
    Path socket;
    ApiServer server;
    DaemonMetrics metrics = new DaemonMetrics();
    AtomicInteger reloads = new AtomicInteger();
    volatile boolean ready;

    static final NodeStatus STATUS = new NodeStatus("0.1.0", Instant.parse("2026-01-01T00:00:00Z"),
            new NodeStatus.Identity("alpha", "10.100.0.1", "host-a", "cHVibGlj", "plexd0"), "local",
            new NodeStatus.ControlPlane(null, "local"), true,
            new NodeStatus.Reconcile(Instant.parse("2026-01-01T00:01:00Z"), "applied", 12, null, Instant.parse("2026-01-01T00:01:00Z")),
            new NodeStatus.Counts(3, 2, 2, 1, 4), new NodeStatus.Enforcement(true, "nftables", "plexd-mesh", "userspace"),
            new NodeStatus.Services(true, false, "userspace", "/etc/plexd", true, "deny", 5, 1, 0, 7,
                    Instant.parse("2026-01-01T00:02:00Z"), Instant.parse("2026-01-01T00:01:30Z"),
                    List.of("services/global.policy:3: unknown protocol (icmp)"), List.of(),
                    List.of(new NodeStatus.ServicePeer("beta", "YmV0YQ==", 0, 10, 2, Map.of("policy", 3L, "malformed", 0L)))),
            "info");

    final StatusSource source = new StatusSource() {
        @Override
        public NodeStatus status() {
            return STATUS;
        }

        @Override
        public List<PeerStatus> peers() {
            return List.of(new PeerStatus("beta", "10.100.0.2", "192.0.2.2:51820", "YmV0YQ==", List.of("10.100.0.2/32"), true, true),
                    new PeerStatus("gamma", "10.100.0.3", null, "Z2FtbWE=", List.of(), false, false));
        }

        @Override
        public List<Policy> policies() {
            return List.of(new Policy("p1", List.of(new PolicyRule("alpha", "beta", 22, "tcp", "allow"))));
        }

        @Override
        public boolean ready() {
            return ready;
        }
    };

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("run/plexd/api.sock");
        server = new ApiServer(NodeApi.router(source, metrics, () -> {
            reloads.incrementAndGet();
            return List.of("services/peer/beta.policy:1: bad port (70000)");
        }), new ApiServer.Limits(4, Duration.ofMillis(500), 1024, 256));
        server.listenUnix(socket);
    }

    @AfterEach
    void stop() {
        server.close();
        LogSetup.setLevel("", "info");
    }

    /** Sends raw bytes on a fresh connection and returns everything the server answers. */
    static String raw(SocketAddress address, String request) throws IOException {
        StandardProtocolFamily family = address instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX
                : StandardProtocolFamily.INET;
        try (SocketChannel channel = SocketChannel.open(family)) {
            channel.connect(address);
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            ByteBuffer in = ByteBuffer.allocate(1 << 20);
            while (channel.read(in) >= 0) {
                // until the server closes
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        }
    }

    String get(String path) throws IOException {
        return raw(UnixDomainSocketAddress.of(socket), "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void socketIs0660InA0750Directory() throws Exception {
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
        assertThat(Files.getPosixFilePermissions(socket.getParent())).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        server.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void healthAndReadiness() throws Exception {
        assertThat(get("/healthz")).startsWith("HTTP/1.1 200 OK\r\n").contains("Connection: close\r\n").endsWith("ok\n");
        assertThat(get("/readyz")).startsWith("HTTP/1.1 503 ");
        ready = true;
        assertThat(get("/readyz")).startsWith("HTTP/1.1 200 ").endsWith("ready\n");
    }

    @Test
    void statusHasEveryField() throws Exception {
        String response = get("/v1/status");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("Content-Type: application/json");
        var json = Json.MAPPER.readTree(body(response));
        assertThat(json.at("/node/id").asText()).isEqualTo("alpha");
        assertThat(json.at("/node/mesh_ip").asText()).isEqualTo("10.100.0.1");
        assertThat(json.at("/node/public_key").asText()).isEqualTo("cHVibGlj");
        assertThat(json.at("/mode").asText()).isEqualTo("local");
        assertThat(json.at("/control_plane/state").asText()).isEqualTo("local");
        assertThat(json.at("/ready").asBoolean()).isTrue();
        assertThat(json.at("/last_reconcile/at").asText()).isEqualTo("2026-01-01T00:01:00Z");
        assertThat(json.at("/last_reconcile/outcome").asText()).isEqualTo("applied");
        assertThat(json.at("/last_reconcile/duration_ms").asLong()).isEqualTo(12);
        assertThat(json.at("/counts/peers_configured").asInt()).isEqualTo(2);
        assertThat(json.at("/counts/firewall_rules").asInt()).isEqualTo(4);
        assertThat(json.at("/enforcement/firewall_backend").asText()).isEqualTo("nftables");
        // The service status an operator reads: names as docs/service-access.md lists them.
        assertThat(fieldNames(json.at("/services"))).containsExactly("enabled", "ok", "mode", "config_dir", "configured",
                "default_action", "rules", "peer_files", "org_files", "generation", "last_attempt", "last_success",
                "errors", "warnings", "peers");
        assertThat(json.at("/services/ok").asBoolean()).isFalse();
        assertThat(json.at("/services/mode").asText()).isEqualTo("userspace");
        assertThat(json.at("/services/generation").asLong()).isEqualTo(7);
        assertThat(json.at("/services/last_success").asText()).isEqualTo("2026-01-01T00:01:30Z");
        assertThat(json.at("/services/errors/0").asText()).isEqualTo("services/global.policy:3: unknown protocol (icmp)");
        assertThat(fieldNames(json.at("/services/peers/0"))).containsExactly("peer", "public_key", "slot", "allowed",
                "allowed_as_reply", "dropped");
        assertThat(json.at("/services/peers/0/allowed_as_reply").asLong()).isEqualTo(2);
        assertThat(json.at("/services/peers/0/dropped/policy").asLong()).isEqualTo(3);
        assertThat(Json.MAPPER.readValue(body(response), NodeStatus.class)).isEqualTo(STATUS);
    }

    @Test
    void peersAndPolicies() throws Exception {
        var peers = Json.MAPPER.readTree(body(get("/v1/peers")));
        assertThat(peers.at("/peers/0/id").asText()).isEqualTo("beta");
        assertThat(peers.at("/peers/1/allowed").asBoolean()).isFalse();
        var policies = Json.MAPPER.readTree(body(get("/v1/policies")));
        assertThat(policies.at("/policies/0/rules/0/port").asInt()).isEqualTo(22);
    }

    @Test
    void metricsAreValidPrometheusText() throws Exception {
        metrics.recordCycle(new CycleResult(Instant.now(), Duration.ofMillis(5), CycleResult.Outcome.APPLIED, StateDiff.EMPTY, List.of()));
        String response = get("/metrics");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("Content-Type: text/plain; version=0.0.4");
        assertThat(PrometheusText.parse(body(response))).containsEntry("plexd_reconcile_cycles_total{outcome=\"applied\"}", 1.0);
    }

    @Test
    void logLevelChangesAtRuntime() throws Exception {
        String response = raw(UnixDomainSocketAddress.of(socket),
                "PUT /v1/log-level HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"level\":\"debug\"}");
        assertThat(response).startsWith("HTTP/1.1 200 ");
        assertThat(LogSetup.rootLevel()).isEqualTo("DEBUG");
        assertThat(raw(UnixDomainSocketAddress.of(socket),
                "PUT /v1/log-level HTTP/1.1\r\nContent-Length: 17\r\n\r\n{\"level\":\"loud!\"}")).startsWith("HTTP/1.1 400 ")
                .contains("log level must be one of");
        assertThat(raw(UnixDomainSocketAddress.of(socket), "PUT /v1/log-level HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"))
                .startsWith("HTTP/1.1 400 ");
        assertThat(LogSetup.rootLevel()).isEqualTo("DEBUG");
    }

    @Test
    void serviceReload() throws Exception {
        String response = raw(UnixDomainSocketAddress.of(socket), "POST /v1/services/reload HTTP/1.1\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 ");
        var json = Json.MAPPER.readTree(body(response));
        assertThat(json.at("/reloaded").asBoolean()).isFalse();
        assertThat(json.at("/errors/0").asText()).contains("beta.policy:1");
        assertThat(reloads).hasValue(1);
        assertThat(NodeApi.router(source, metrics, null).apply(new HttpRequest("POST", "/v1/services/reload", "", Map.of(), new byte[0])).status())
                .isEqualTo(409);
    }

    @Test
    void badRequestsAreRejected() throws Exception {
        SocketAddress at = UnixDomainSocketAddress.of(socket);
        assertThat(raw(at, "garbage\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(raw(at, "GET /healthz HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(raw(at, "GET http://x/healthz HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(raw(at, "GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(raw(at, "GET /healthz HTTP/1.1\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n")).startsWith("HTTP/1.1 431 ");
        assertThat(raw(at, "PUT /v1/log-level HTTP/1.1\r\nContent-Length: 100000\r\n\r\n")).startsWith("HTTP/1.1 413 ");
        assertThat(raw(at, "PUT /v1/log-level HTTP/1.1\r\nContent-Length: -1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(raw(at, "PUT /v1/log-level HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).startsWith("HTTP/1.1 501 ");
        assertThat(raw(at, "GET /nope HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        assertThat(raw(at, "DELETE /v1/status HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 405 ").contains("Allow: GET\r\n");
    }

    @Test
    void slowClientsAreCutOffAndDoNotBlockOthers() throws Exception {
        try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            slow.write(ByteBuffer.wrap("GET /healthz HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
            // Others are served while the slow one holds its connection.
            assertThat(get("/healthz")).startsWith("HTTP/1.1 200 ");
            // The deadline (500 ms here) closes it: the read sees end of stream.
            long start = System.nanoTime();
            assertThat(slow.read(ByteBuffer.allocate(16))).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void connectionsBeyondTheCapWaitForAFreeSlotInsteadOfBeingReset() throws Exception {
        // The idle connections must hold their slots until closed, so no deadline may free them.
        server.close();
        server = new ApiServer(NodeApi.router(source, metrics, null), new ApiServer.Limits(4, Duration.ofMinutes(1), 1024, 256));
        server.listenUnix(socket);
        SocketChannel[] idle = new SocketChannel[4];
        try (SocketChannel fifth = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Accepted in connection order: these four take every slot before the fifth arrives.
            for (int i = 0; i < idle.length; i++) {
                idle[i] = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            }
            fifth.connect(UnixDomainSocketAddress.of(socket)); // into the listen backlog
            fifth.write(ByteBuffer.wrap("GET /healthz HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            fifth.configureBlocking(false);
            Thread.sleep(200);
            assertThat(fifth.read(ByteBuffer.allocate(64))).as("answered while every slot is held").isZero();
            // Freeing one slot serves it: a whole answer, not a reset.
            idle[0].close();
            fifth.configureBlocking(true);
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (fifth.read(in) >= 0) {
                // until the server closes
            }
            assertThat(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200 ").endsWith("ok\n");
        } finally {
            for (SocketChannel channel : idle) {
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }

    @Test
    void backToBackRequestsAreNeverRefusedWhileEarlierConnectionsWindDown() throws Exception {
        // Each bad request leaves its connection draining after the answer; a client's next
        // request must wait for a slot, never be reset, however many arrive back to back.
        SocketAddress at = UnixDomainSocketAddress.of(socket);
        for (int i = 0; i < 200; i++) {
            assertThat(raw(at, "GET /healthz HTTP/1.1\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n")).startsWith("HTTP/1.1 431 ");
        }
    }

    @Test
    void tcpListenerRequiresTheBearerToken() throws Exception {
        InetSocketAddress at = server.listenTcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN);
        assertThat(raw(at, "GET /v1/status HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 401 ").contains("WWW-Authenticate: Bearer");
        assertThat(raw(at, "GET /metrics HTTP/1.1\r\nAuthorization: Bearer wrong\r\n\r\n")).startsWith("HTTP/1.1 401 ");
        assertThat(raw(at, "GET /metrics HTTP/1.1\r\nAuthorization: Basic " + TOKEN + "\r\n\r\n")).startsWith("HTTP/1.1 401 ");
        assertThat(raw(at, "GET /metrics HTTP/1.1\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        // The unix socket does not ask for it: its file mode is the access control.
        assertThat(get("/metrics")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aStaleSocketIsReplacedButALiveOneIsNot() throws Exception {
        assertThatThrownBy(() -> new ApiServer(r -> HttpResponse.text(200, ""), ApiServer.Limits.DEFAULT).listenUnix(socket))
                .hasMessageContaining("another process is serving it");
        server.close();
        // A socket file nobody serves, as a killed daemon leaves it.
        Path stale = dir.resolve("stale.sock");
        try (var channel = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();
        try (ApiServer again = new ApiServer(r -> HttpResponse.text(200, "fresh"), ApiServer.Limits.DEFAULT)) {
            again.listenUnix(stale);
            assertThat(raw(UnixDomainSocketAddress.of(stale), "GET / HTTP/1.1\r\n\r\n")).endsWith("fresh");
        }
    }

    @Test
    void clientReportsADaemonThatIsNotRunning() {
        ApiClient missing = new ApiClient(dir.resolve("nothing.sock"), Duration.ofSeconds(1));
        assertThatThrownBy(() -> missing.get("/v1/status")).isInstanceOf(ApiClient.NotRunningException.class)
                .hasMessageContaining("plexd is not running: no API socket at " + dir.resolve("nothing.sock"));
    }

    @Test
    void clientReadsAnswers() throws Exception {
        ApiClient client = new ApiClient(socket, Duration.ofSeconds(5));
        ApiClient.Response response = client.get("/v1/status");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers()).containsEntry("content-type", "application/json");
        assertThat(Json.MAPPER.readValue(response.body(), NodeStatus.class)).isEqualTo(STATUS);
        assertThat(client.send("PUT", "/v1/log-level", "{\"level\":\"warn\"}").status()).isEqualTo(200);
        assertThat(LogSetup.rootLevel()).isEqualTo("WARN");
    }

    @Test
    void tcpListenerSpeaksHttpToAStandardClient() throws Exception {
        InetSocketAddress at = server.listenTcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN);
        var client = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + at.getPort() + "/v1/peers"))
                .header("Authorization", "Bearer " + TOKEN).build();
        var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"gamma\"");
    }

    private static List<String> fieldNames(com.fasterxml.jackson.databind.JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
