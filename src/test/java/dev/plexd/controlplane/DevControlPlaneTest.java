package dev.plexd.controlplane;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.Json;
import dev.plexd.api.Peer;
import dev.plexd.api.RegisterRequest;
import dev.plexd.api.RegisterResponse;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.SigningKeys;
import dev.plexd.api.StateResponse;
import dev.plexd.api.VerificationException;
import dev.plexd.api.client.ControlPlaneClient;
import dev.plexd.api.client.ControlPlaneException;
import dev.plexd.api.client.ControlPlaneSettings;
import dev.plexd.api.client.NodeIdentity;
import dev.plexd.api.client.UnauthorizedException;
import dev.plexd.testing.Fixtures;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class DevControlPlaneTest {

    static final String STATE = """
            peers:
              - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.11:51820", allowed_ips: [10.100.0.1/32]}
              - {id: beta, mesh_ip: 10.100.0.2, endpoint: "192.0.2.12:51820", allowed_ips: [10.100.0.2/32]}
              - {id: gamma, public_key: %s, mesh_ip: 10.100.0.3, allowed_ips: [10.100.0.3/32]}
            policies:
              - id: alpha-beta
                rules:
                  - {src: alpha, dst: beta, port: 0, protocol: "", action: allow}
            """.formatted(Fixtures.keyFor("gamma"));

    private static final Instant NOW = Instant.parse("2025-01-15T10:31:00Z");

    @TempDir
    Path dir;

    private DevControlPlane plane;
    private ControlPlaneClient client;
    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (plane != null) {
            plane.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private Path stateFile() {
        return dir.resolve("state.yaml");
    }

    private DevControlPlane start() throws IOException {
        if (Files.notExists(stateFile())) {
            Files.writeString(stateFile(), STATE);
        }
        plane = DevControlPlane.start(new DevControlPlane.Options(stateFile(), new InetSocketAddress("127.0.0.1", 0),
                dir.resolve("signing.pem"), "boot-token", dir.resolve("registrations.json"), Duration.ofSeconds(30), 16));
        client = new ControlPlaneClient(ControlPlaneSettings.defaults().withUrl(plane.url()));
        return plane;
    }

    private RegisterResponse register(String hostname) throws IOException {
        return client.register(new RegisterRequest("boot-token", Fixtures.keyFor(hostname + "-registered"), hostname, null));
    }

    private static NodeIdentity identity(RegisterResponse r) {
        return new NodeIdentity(r.nodeId(), r.meshIp(), r.signingPublicKey(), r.nodeSecretKey(), null, null, r.nodeId(), null);
    }

    @Test
    void theSigningKeyIsCreatedPrivateAndReloadedUnchanged() throws Exception {
        String key = start().signingPublicKey();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("signing.pem")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("signing.pem"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        plane.close();
        plane = null;
        assertThat(SigningKey.loadOrCreate(dir.resolve("signing.pem")).publicKeyBase64()).isEqualTo(key);
    }

    @Test
    void anOpensslKeyFileLoadsWithTheSamePublicKeyAndSigns() throws Exception {
        Path pem = dir.resolve("openssl.pem");
        try (InputStream in = getClass().getResourceAsStream("/controlplane/openssl-ed25519.pem")) {
            Files.copy(in, pem);
        }
        String opensslPublic;
        try (InputStream in = getClass().getResourceAsStream("/controlplane/openssl-ed25519.pub")) {
            opensslPublic = new String(in.readAllBytes()).strip();
        }
        SigningKey key = SigningKey.loadOrCreate(pem);
        assertThat(key.publicKeyBase64()).isEqualTo(opensslPublic);

        SignedEnvelope unsigned = new SignedEnvelope("t", "e", NOW, "n", "{}", null);
        String signature = key.sign(EnvelopeVerifier.canonicalBytes(unsigned));
        new EnvelopeVerifier(SigningKeys.of(opensslPublic), Clock.fixed(NOW, ZoneOffset.UTC))
                .verify(new SignedEnvelope("t", "e", NOW, "n", "{}", signature));

        Files.writeString(dir.resolve("junk.pem"), "not a key");
        assertThatThrownBy(() -> SigningKey.loadOrCreate(dir.resolve("junk.pem"))).isInstanceOf(IOException.class)
                .hasMessageContaining("openssl genpkey -algorithm ed25519");
    }

    @Test
    void registrationChecksTokenHostnameAndKey() throws Exception {
        start();
        assertThatThrownBy(() -> client.register(new RegisterRequest("wrong", Fixtures.keyFor("x"), "alpha", null)))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> register("delta")).isInstanceOfSatisfying(ControlPlaneException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.bodyExcerpt()).contains("no peer with id \\\"delta\\\" in the state file");
        });
        assertThatThrownBy(() -> client.register(new RegisterRequest("boot-token", "c2hvcnQ=", "alpha", null)))
                .isInstanceOfSatisfying(ControlPlaneException.class, e -> assertThat(e.statusCode()).isEqualTo(400));

        RegisterResponse alpha = register("alpha");

        assertThat(alpha.nodeId()).isEqualTo("alpha");
        assertThat(alpha.meshIp()).isEqualTo("10.100.0.1");
        assertThat(alpha.signingPublicKey()).isEqualTo(plane.signingPublicKey());
        assertThat(alpha.nodeSecretKey()).isNotBlank();
        assertThat(alpha.peers()).extracting(Peer::id).containsExactly("gamma");
        assertThat(Files.readString(dir.resolve("registrations.json"))).contains("alpha");
    }

    @Test
    void eachNodeSeesTheOtherKeyedPeersThePoliciesAndTheSigningKey() throws Exception {
        start();
        NodeIdentity alpha = identity(register("alpha"));
        NodeIdentity beta = identity(register("beta"));

        StateResponse view = client.fetchState(alpha);

        assertThat(view.peers()).extracting(Peer::id).containsExactly("beta", "gamma");
        assertThat(view.peers().getFirst().publicKey()).isEqualTo(Fixtures.keyFor("beta-registered"));
        assertThat(view.peers().getFirst().endpoint()).isEqualTo("192.0.2.12:51820");
        assertThat(view.policies()).extracting(p -> p.id()).containsExactly("alpha-beta");
        assertThat(view.signingKeys()).isEqualTo(SigningKeys.of(plane.signingPublicKey()));
        assertThat(client.fetchState(beta).peers()).extracting(Peer::id).containsExactly("alpha", "gamma");

        NodeIdentity forged = new NodeIdentity("alpha", null, null, beta.nodeSecretKey(), null, null, null, null);
        assertThatThrownBy(() -> client.fetchState(forged)).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void registrationsSurviveARestartWhenKeptInAFile() throws Exception {
        start();
        NodeIdentity alpha = identity(register("alpha"));
        plane.close();
        client.close();
        start();
        assertThat(client.fetchState(alpha).peers()).extracting(Peer::id).containsExactly("gamma");
    }

    @Test
    void changesBecomeSignedEventsThatAResumingStreamReplays() throws Exception {
        start();
        NodeIdentity alpha = identity(register("alpha"));
        register("beta");
        // Each registration gave a peer its key: events 1 and 2. The policy edit makes event 3.
        Files.writeString(dir.resolve("next.yaml"), STATE.replace("port: 0", "port: 443"));
        Files.move(dir.resolve("next.yaml"), stateFile(), StandardCopyOption.ATOMIC_MOVE);
        List<SignedEnvelope> events = readEvents(alpha, "0", 3);

        EnvelopeVerifier verifier = new EnvelopeVerifier(SigningKeys.of(plane.signingPublicKey()), Clock.systemUTC());
        for (SignedEnvelope event : events) {
            verifier.verify(event);
        }
        assertThat(events).extracting(SignedEnvelope::eventType).containsExactly("peer_added", "peer_added", "policy_updated");
        assertThat(events).extracting(SignedEnvelope::eventId).containsExactly("evt-1", "evt-2", "evt-3");
        assertThat(events.get(1).payload()).isEqualTo("{\"id\":\"beta\"}");
        assertThat(Json.MAPPER.readTree(events.get(2).payload()).get("added").get(0).asText()).isEqualTo("alpha-beta");
        assertThat(readEvents(alpha, "2", 1)).extracting(SignedEnvelope::eventId).containsExactly("evt-3");
    }

    @Test
    void peerEditsInTheStateFileArriveAsSignedPeerEventsOnAnOpenStream() throws Exception {
        String before = """
                peers:
                  - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.11:51820"}
                  - {id: beta, mesh_ip: 10.100.0.2, endpoint: "192.0.2.12:51820"}
                  - {id: gamma, public_key: %s, mesh_ip: 10.100.0.3, endpoint: "192.0.2.13:51820"}
                  - {id: delta, public_key: %s, mesh_ip: 10.100.0.4, endpoint: "192.0.2.14:51820"}
                """.formatted(Fixtures.keyFor("gamma"), Fixtures.keyFor("delta"));
        // delta leaves, epsilon joins, gamma gets a new key, beta moves to another endpoint.
        String after = """
                peers:
                  - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.11:51820"}
                  - {id: beta, mesh_ip: 10.100.0.2, endpoint: "198.51.100.12:51999"}
                  - {id: gamma, public_key: %s, mesh_ip: 10.100.0.3, endpoint: "192.0.2.13:51820"}
                  - {id: epsilon, public_key: %s, mesh_ip: 10.100.0.5, endpoint: "192.0.2.15:51820"}
                """.formatted(Fixtures.keyFor("gamma-rotated"), Fixtures.keyFor("epsilon"));
        Files.writeString(stateFile(), before);
        start();
        NodeIdentity alpha = identity(register("alpha"));
        register("beta");

        List<SignedEnvelope> events = new ArrayList<>();
        List<String> sseIds = new ArrayList<>();
        // Resume after the two registration events, so only what the edit causes arrives, live.
        try (Response response = http.newCall(eventsRequest(alpha, "2")).execute()) {
            BufferedSource source = response.body().source();
            assertThat(source.readUtf8Line()).isEqualTo(": connected");
            Files.writeString(dir.resolve("next.yaml"), after);
            Files.move(dir.resolve("next.yaml"), stateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            while (events.size() < 4) {
                String line = source.readUtf8LineStrict();
                if (line.startsWith("id: ")) {
                    sseIds.add(line.substring(4));
                } else if (line.startsWith("data: ")) {
                    events.add(SignedEnvelope.parse(line.substring(6)));
                }
            }
        }

        EnvelopeVerifier verifier = new EnvelopeVerifier(SigningKeys.of(plane.signingPublicKey()), Clock.systemUTC());
        for (SignedEnvelope event : events) {
            verifier.verify(event);
        }
        assertThat(events).extracting(SignedEnvelope::eventType, SignedEnvelope::payload).containsExactlyInAnyOrder(
                tuple("peer_added", "{\"id\":\"epsilon\"}"),
                tuple("peer_removed", "{\"id\":\"delta\"}"),
                tuple("peer_key_rotated", "{\"id\":\"gamma\"}"),
                tuple("peer_endpoint_changed", "{\"id\":\"beta\"}"));
        assertThat(sseIds).containsExactly("3", "4", "5", "6");
        assertThat(events).extracting(SignedEnvelope::eventId).containsExactly("evt-3", "evt-4", "evt-5", "evt-6");
        // Signed with the control plane's key and no other.
        EnvelopeVerifier stranger = new EnvelopeVerifier(SigningKeys.of(Fixtures.keyFor("someone-else")), Clock.systemUTC());
        assertThatThrownBy(() -> stranger.verify(events.getFirst())).isInstanceOf(VerificationException.class);
    }

    @Test
    void aBrokenStateFileKeepsTheLastGoodState() throws Exception {
        start();
        NodeIdentity alpha = identity(register("alpha"));
        Files.writeString(stateFile(), "peers: [ {id: alpha");
        plane.reloadStateFile();
        assertThat(client.fetchState(alpha).peers()).extracting(Peer::id).containsExactly("gamma");
    }

    @Test
    void injectionNeedsTheBootstrapTokenAndReachesOpenStreams() throws Exception {
        start();
        NodeIdentity alpha = identity(register("alpha"));
        Request forbidden = new Request.Builder().url(plane.url() + "/dev/inject")
                .post(RequestBody.create("data: x\n\n", MediaType.get("text/plain"))).build();
        try (Response response = http.newCall(forbidden).execute()) {
            assertThat(response.code()).isEqualTo(401);
        }

        try (Response stream = http.newCall(eventsRequest(alpha, null)).execute()) {
            BufferedSource source = stream.body().source();
            assertThat(source.readUtf8Line()).isEqualTo(": connected");
            Request inject = forbidden.newBuilder().header("Authorization", "Bearer boot-token").build();
            try (Response response = http.newCall(inject).execute()) {
                assertThat(response.code()).isEqualTo(202);
            }
            assertThat(source.readUtf8Line()).isEmpty();
            assertThat(source.readUtf8Line()).isEqualTo("data: x");
        }
    }

    private Request eventsRequest(NodeIdentity node, String lastEventId) {
        Request.Builder builder = new Request.Builder().url(plane.url() + "/v1/nodes/" + node.nodeId() + "/events")
                .header("Authorization", "Bearer " + node.nodeSecretKey());
        if (lastEventId != null) {
            builder.header("Last-Event-ID", lastEventId);
        }
        return builder.build();
    }

    /** Reads {@code count} data frames from a stream resumed after {@code lastEventId}. */
    private List<SignedEnvelope> readEvents(NodeIdentity node, String lastEventId, int count) throws IOException {
        List<SignedEnvelope> events = new ArrayList<>();
        try (Response response = http.newCall(eventsRequest(node, lastEventId)).execute()) {
            assertThat(response.header("Content-Type")).isEqualTo("text/event-stream");
            BufferedSource source = response.body().source();
            while (events.size() < count) {
                String line = source.readUtf8LineStrict();
                if (line.startsWith("data: ")) {
                    events.add(SignedEnvelope.parse(line.substring(6)));
                }
            }
        }
        return events;
    }
}
