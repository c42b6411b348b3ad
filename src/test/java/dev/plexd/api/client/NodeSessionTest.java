package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.Json;
import dev.plexd.api.MutableClock;
import dev.plexd.api.SigningKeys;
import dev.plexd.wireguard.X25519;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeSessionTest {

    private static final Instant NOW = Instant.parse("2025-01-15T10:30:00Z");
    private static final String SIGNING_KEY = dev.plexd.api.EnvelopeVectors.key("current");

    @TempDir
    Path dir;

    private MockWebServer server;
    private ControlPlaneClient client;
    private final List<Duration> slept = new ArrayList<>();
    private EnvelopeVerifier verifier;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
        verifier = new EnvelopeVerifier(null, new MutableClock(NOW));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private ControlPlaneSettings settings() {
        return ControlPlaneSettings.defaults().withUrl(server.url("/").toString()).withDataDir(dir.resolve("data"))
                .withHostname("node-a").withRequestTimeout(Duration.ofSeconds(5));
    }

    private NodeSession session(ControlPlaneSettings settings, Map<String, String> env) {
        client = new ControlPlaneClient(settings, new MutableClock(NOW));
        return new NodeSession(settings, client, new IdentityStore(settings.dataDir()), verifier, env, Backoff.DEFAULT,
                BackoffTest.MIDDLE, slept::add, new MutableClock(NOW));
    }

    private static MockResponse registered(String secret) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .body("{\"node_id\":\"node-a\",\"mesh_ip\":\"10.100.0.1\",\"signing_public_key\":\"" + SIGNING_KEY
                        + "\",\"node_secret_key\":\"" + secret + "\",\"peers\":[]}").build();
    }

    private Path tokenFile(String token) throws IOException {
        Path file = dir.resolve("bootstrap-token");
        Files.writeString(file, token + "\n");
        return file;
    }

    @Test
    void registersWithTheTokenFileSavesTheIdentityPrivatelyAndRemovesTheFile() throws Exception {
        Path tokenFile = tokenFile("tok-file");
        server.enqueue(registered("nsk-1"));
        NodeSession session = session(settings().withBootstrapTokenFile(tokenFile), Map.of());

        NodeIdentity identity = session.ensureRegistered();

        assertThat(identity.nodeId()).isEqualTo("node-a");
        assertThat(identity.nodeSecretKey()).isEqualTo("nsk-1");
        assertThat(tokenFile).doesNotExist();
        Path saved = dir.resolve("data/identity.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saved))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data")))).isEqualTo("rwx------");
        assertThat(Json.MAPPER.readTree(Files.readString(saved)).get("node_secret_key").asText()).isEqualTo("nsk-1");
        assertThat(verifier.keys()).isEqualTo(SigningKeys.of(SIGNING_KEY));
        RecordedRequest request = server.takeRequest();
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer tok-file");
        var body = Json.MAPPER.readTree(request.getBody().utf8());
        assertThat(body.get("hostname").asText()).isEqualTo("node-a");
        assertThat(body.get("public_key").asText()).isEqualTo(identity.publicKey());

        NodeSession restarted = session(settings(), Map.of());
        assertThat(restarted.ensureRegistered()).isEqualTo(identity);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void theGeneratedWireGuardKeysBelongTogether() throws Exception {
        WireGuardKeyPair a = WireGuardKeyPair.generate();
        WireGuardKeyPair b = WireGuardKeyPair.generate();
        assertThat(Base64.getDecoder().decode(a.privateKey())).hasSize(32);
        assertThat(Base64.getDecoder().decode(a.publicKey())).hasSize(32);
        assertThat(sharedSecret(a.privateKey(), b.publicKey())).isEqualTo(sharedSecret(b.privateKey(), a.publicKey()));
        assertThat(a.toString()).doesNotContain(a.privateKey());
    }

    private static byte[] sharedSecret(String privateKey, String publicKey) throws Exception {
        return X25519.sharedSecret(Base64.getDecoder().decode(privateKey), Base64.getDecoder().decode(publicKey));
    }

    @Test
    void tokenSourcesAreTriedInlineThenFileThenEnvironment() throws Exception {
        Path tokenFile = tokenFile("tok-file");
        Map<String, String> env = Map.of(ControlPlaneSettings.ENV_BOOTSTRAP_TOKEN, "tok-env");
        assertThat(BootstrapToken.resolve(settings().withBootstrapToken("tok-inline").withBootstrapTokenFile(tokenFile), env))
                .get().extracting(BootstrapToken::value).isEqualTo("tok-inline");
        assertThat(BootstrapToken.resolve(settings().withBootstrapTokenFile(tokenFile), env))
                .get().extracting(BootstrapToken::value).isEqualTo("tok-file");
        assertThat(BootstrapToken.resolve(settings().withBootstrapTokenFile(dir.resolve("gone")), env))
                .get().extracting(BootstrapToken::value).isEqualTo("tok-env");
        assertThat(BootstrapToken.resolve(settings(), Map.of())).isEmpty();
        assertThatThrownBy(() -> BootstrapToken.resolve(settings().withBootstrapToken("bad token"), Map.of()))
                .isInstanceOf(RegistrationException.class)
                .hasMessage("bootstrap token from control_plane.bootstrap_token contains a character that is not printable ASCII at position 3");
    }

    @Test
    void withoutATokenRegistrationSaysWhatToSet() {
        NodeSession session = session(settings(), Map.of());
        assertThatThrownBy(session::ensureRegistered).isInstanceOf(RegistrationException.class)
                .hasMessageContaining("no bootstrap token").hasMessageContaining("control_plane.bootstrap_token_file")
                .hasMessageContaining("PLEXD_BOOTSTRAP_TOKEN");
        assertThat(server.getRequestCount()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"400, malformed", "401, was not accepted", "403, may not register", "404, check control_plane.url",
            "409, already registered"})
    void clientErrorsAreFinal(int status, String explanation) throws Exception {
        Path tokenFile = tokenFile("tok-file");
        server.enqueue(new MockResponse.Builder().code(status).body("{\"error\":\"nope\"}").build());
        NodeSession session = session(settings().withBootstrapTokenFile(tokenFile), Map.of());

        assertThatThrownBy(session::ensureRegistered).isInstanceOfSatisfying(RegistrationException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(status);
            assertThat(e.getMessage()).startsWith("registration refused: HTTP " + status).contains(explanation)
                    .contains("nope").doesNotContain("tok-file\"");
        });
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(slept).isEmpty();
        assertThat(tokenFile).exists();
        assertThat(dir.resolve("data/identity.json")).doesNotExist();
    }

    @Test
    void serverErrorsTransportFailuresAndThrottlingAreRetriedWithBackoff() throws Exception {
        server.enqueue(new MockResponse.Builder().code(503).build());
        server.enqueue(new MockResponse.Builder().onRequestStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "30").build());
        server.enqueue(new MockResponse.Builder().code(500).build());
        server.enqueue(registered("nsk-1"));
        NodeSession session = session(settings().withBootstrapToken("tok"), Map.of());

        assertThat(session.ensureRegistered().nodeSecretKey()).isEqualTo("nsk-1");

        assertThat(slept).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(30),
                Duration.ofSeconds(8));
    }

    @Test
    void a401ReRegistersWhenATokenIsAvailableAndRetriesOnce() throws Exception {
        server.enqueue(registered("nsk-1"));
        server.enqueue(new MockResponse.Builder().code(401).build());
        server.enqueue(registered("nsk-2"));
        server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
        NodeSession session = session(settings().withBootstrapToken("tok"), Map.of());
        NodeIdentity first = session.ensureRegistered();

        session.call(client::fetchState);

        assertThat(session.identity().nodeSecretKey()).isEqualTo("nsk-2");
        assertThat(session.identity().publicKey()).isEqualTo(first.publicKey());
        server.takeRequest();
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer nsk-1");
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/register");
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer nsk-2");
    }

    @Test
    void a401WithoutTokenReloadsANewerSavedIdentityOrGivesUp() throws Exception {
        Path tokenFile = tokenFile("tok-file");
        server.enqueue(registered("nsk-1"));
        NodeSession session = session(settings().withBootstrapTokenFile(tokenFile), Map.of());
        NodeIdentity first = session.ensureRegistered();

        server.enqueue(new MockResponse.Builder().code(401).build());
        assertThatThrownBy(() -> session.call(client::fetchState)).isInstanceOf(UnauthorizedException.class);

        new IdentityStore(dir.resolve("data")).save(new NodeIdentity(first.nodeId(), first.meshIp(),
                first.signingPublicKey(), "nsk-by-operator", first.privateKey(), first.publicKey(), first.hostname(), NOW));
        server.enqueue(new MockResponse.Builder().code(401).build());
        server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
        session.call(client::fetchState);
        assertThat(session.identity().nodeSecretKey()).isEqualTo("nsk-by-operator");
    }

    @Test
    void aCorruptIdentityFileIsReportedWithItsPath() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/identity.json"), "{\"node_id\": ");
        NodeSession session = session(settings().withBootstrapToken("tok"), Map.of());
        assertThatThrownBy(session::ensureRegistered).isInstanceOf(IOException.class)
                .hasMessageStartingWith("identity file " + dir.resolve("data/identity.json") + ":1:");
        Files.writeString(dir.resolve("data/identity.json"), "{\"node_id\": \"a\"}");
        assertThatThrownBy(session::ensureRegistered).isInstanceOf(IOException.class)
                .hasMessageEndingWith("missing node_secret_key");
    }

    @Test
    void deregisterRemovesTheIdentity() throws Exception {
        server.enqueue(registered("nsk-1"));
        server.enqueue(new MockResponse.Builder().code(204).build());
        NodeSession session = session(settings().withBootstrapToken("tok"), Map.of());
        session.ensureRegistered();

        session.deregister();

        assertThat(dir.resolve("data/identity.json")).doesNotExist();
        server.takeRequest();
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/nodes/node-a/deregister");
        assertThatThrownBy(session::identity).isInstanceOf(IllegalStateException.class);
    }
}
