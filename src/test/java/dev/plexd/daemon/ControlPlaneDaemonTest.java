package dev.plexd.daemon;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventTypes;
import dev.plexd.api.Json;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.client.IdentityStore;
import dev.plexd.controlplane.DevControlPlane;
import dev.plexd.daemon.api.ApiClient;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.config.ConfigLoader;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.policy.FirewallRule;
import dev.plexd.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code plexd up} with a control plane: the daemon against the development control plane on
 * loopback — registration, reconciled state, a policy edit in the control plane's state file
 * enforced through the signed event stream, a forged event rejected, and a restart with the control
 * plane down. Only the data plane (in memory) and the firewall backend (recording) are doubles.
 */
class ControlPlaneDaemonTest {

    private static final String TOKEN = "boot-token-0123456789";
    private static final String STATE = """
            peers:
              - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.11:51820"}
              - {id: beta, public_key: %s, mesh_ip: 10.100.0.2, endpoint: "192.0.2.12:51820"}
              - {id: gamma, public_key: %s, mesh_ip: 10.100.0.3, endpoint: "192.0.2.13:51820"}
            policies:
              - id: mesh
                rules:
                  - {src: alpha, dst: %s, port: 22, protocol: tcp, action: allow}
            """;

    @TempDir
    Path dir;

    private DevControlPlane plane;
    private final List<Daemon> daemons = new ArrayList<>();

    @AfterEach
    void stop() {
        daemons.forEach(Daemon::stop);
        if (plane != null) {
            plane.close();
        }
    }

    private static String state(String allowed) {
        return STATE.formatted(Fixtures.keyFor("beta"), Fixtures.keyFor("gamma"), allowed);
    }

    private void writeState(String text) throws Exception {
        Path next = dir.resolve("cp-state.next");
        Files.writeString(next, text);
        Files.move(next, dir.resolve("cp-state.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private DaemonConfig config(String url, Path tokenFile) throws Exception {
        return ConfigLoader.load(null, Map.of(), List.of("control_plane.url=" + url,
                "control_plane.bootstrap_token_file=" + tokenFile, "node.hostname=alpha",
                "data_dir=" + dir.resolve("data"), "config_dir=" + dir.resolve("etc"), "api.socket=" + dir.resolve("api.sock"),
                "firewall.backend=nftables", "services.enabled=false", "reconcile.interval=1h", "shutdown.timeout=5s")).config();
    }

    private Daemon start(LocalNode node, DaemonConfig config) throws Exception {
        Daemon daemon = new Daemon(config, node.wiring());
        daemons.add(daemon);
        daemon.start();
        return daemon;
    }

    @Test
    void registersReconcilesEnforcesPolicyEventsAndRestartsWithTheControlPlaneDown() throws Exception {
        writeState(state("beta"));
        plane = DevControlPlane.start(new DevControlPlane.Options(dir.resolve("cp-state.yaml"),
                new java.net.InetSocketAddress("127.0.0.1", 0), dir.resolve("signing.pem"), TOKEN, null,
                Duration.ofSeconds(15), 64));
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        DaemonConfig config = config(plane.url(), tokenFile);

        LocalNode node = new LocalNode(dir);
        Daemon daemon = start(node, config);
        ApiClient api = new ApiClient(dir.resolve("api.sock"), Duration.ofSeconds(5));

        // Registered: identity saved, the token file consumed, the registered key on the interface.
        var identity = new IdentityStore(dir.resolve("data")).load().orElseThrow();
        assertThat(identity.nodeId()).isEqualTo("alpha");
        assertThat(tokenFile).doesNotExist();
        assertThat(node.wireGuard.operations()).contains("address plexd0 10.100.0.1/16", "up plexd0");

        until("first reconcile", () -> daemon.status().ready());
        assertThat(node.peerKeys()).containsExactly(Fixtures.keyFor("beta"));
        assertThat(node.firewall.last()).contains(new FirewallRule("plexd0", "10.100.0.1", "10.100.0.2", 22, "tcp", "allow"));
        until("event stream connected", () -> daemon.status().status().controlPlane().state().equals("connected")
                && plane.streams() == 1);
        NodeStatus status = Json.MAPPER.readValue(api.get("/v1/status").body(), NodeStatus.class);
        assertThat(status.mode()).isEqualTo("control_plane");
        assertThat(status.node().id()).isEqualTo("alpha");
        assertThat(status.node().meshIp()).isEqualTo("10.100.0.1");
        assertThat(status.node().publicKey()).isEqualTo(identity.publicKey());
        assertThat(status.controlPlane()).isEqualTo(new NodeStatus.ControlPlane(plane.url(), "connected"));

        // The operator edits the policy; with reconcile.interval at 1h only the event can bring it.
        writeState(state("gamma"));
        long editedAt = System.nanoTime();
        until("gamma replaces beta", () -> node.peerKeys().equals(java.util.Set.of(Fixtures.keyFor("gamma"))));
        // The whole path (watch, signed event, verification, handler, state fetch, reconcile) within
        // the one second from the edited file being in place; the await polls every 20 ms.
        assertThat(Duration.ofNanos(System.nanoTime() - editedAt)).as("state file in place to the policy enforced")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(node.firewall.last()).contains(new FirewallRule("plexd0", "10.100.0.1", "10.100.0.3", 22, "tcp", "allow"))
                .doesNotContain(new FirewallRule("plexd0", "10.100.0.1", "10.100.0.2", 22, "tcp", "allow"));

        // A forged event is rejected, counted by reason, and changes nothing.
        int applies = node.firewall.applied.size();
        inject("data: " + forged() + "\n\n");
        until("forged event counted", () -> metrics(api).getOrDefault("plexd_events_rejected_total{reason=\"bad_signature\"}", 0.0) == 1.0);
        assertThat(metrics(api)).containsEntry("plexd_events_received_total{type=\"policy_updated\"}", 1.0);
        assertThat(node.firewall.applied).hasSize(applies);
        assertThat(node.peerKeys()).containsExactly(Fixtures.keyFor("gamma"));

        assertThat(daemon.stop()).isTrue();
        plane.close();
        plane = null;

        // The control plane is gone: the restart enforces the persisted state from the saved identity.
        LocalNode again = new LocalNode(dir);
        Daemon second = start(again, config);
        assertThat(second.status().ready()).isTrue();
        assertThat(again.peerKeys()).containsExactly(Fixtures.keyFor("gamma"));
        assertThat(again.firewall.applied.getFirst()).contains(new FirewallRule("plexd0", "10.100.0.1", "10.100.0.3", 22, "tcp", "allow"));
        assertThat(second.status().status().node().publicKey()).isEqualTo(identity.publicKey());
    }

    @Test
    void aRefusedRegistrationStopsTheStartNamingTheCauseAndCleansUp() throws Exception {
        writeState(state("beta"));
        plane = DevControlPlane.start(new DevControlPlane.Options(dir.resolve("cp-state.yaml"),
                new java.net.InetSocketAddress("127.0.0.1", 0), dir.resolve("signing.pem"), TOKEN, null,
                Duration.ofSeconds(15), 64));
        Path tokenFile = Files.writeString(dir.resolve("token"), "not-the-token-0123456789");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        LocalNode node = new LocalNode(dir);
        Daemon daemon = new Daemon(config(plane.url(), tokenFile), node.wiring());
        daemons.add(daemon);

        org.assertj.core.api.Assertions.assertThatThrownBy(daemon::start).hasMessageStartingWith("control_plane: ")
                .hasMessageContaining("token");
        assertThat(dir.resolve("api.sock")).doesNotExist();
        assertThat(tokenFile).as("kept for the next attempt").exists();
        assertThat(node.wireGuard.operations()).as("no interface without an identity").isEmpty();
    }

    @Test
    void settingsCarryEveryControlPlaneKey() throws Exception {
        Path tokenFile = dir.resolve("token");
        var config = ConfigLoader.load(null, Map.of(), List.of("control_plane.url=https://cp.example.net/",
                "control_plane.bootstrap_token_file=" + tokenFile, "data_dir=" + dir.resolve("data"),
                "control_plane.request_timeout=3s", "control_plane.heartbeat_interval=7s", "control_plane.event_idle_timeout=40s",
                "control_plane.poll_fallback_after=2m", "control_plane.poll_interval=20s")).config();
        var settings = ControlPlaneNodeLink.settings(config, "alpha");
        assertThat(settings).isEqualTo(new dev.plexd.api.client.ControlPlaneSettings("https://cp.example.net", null, tokenFile,
                dir.resolve("data"), "alpha", Duration.ofSeconds(3), Duration.ofSeconds(7), Duration.ofSeconds(40),
                Duration.ofMinutes(2), Duration.ofSeconds(20)));
    }

    private static Map<String, Double> metrics(ApiClient api) {
        try {
            return PrometheusText.parse(api.get("/metrics").text());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void inject(String frame) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(plane.url() + "/dev/inject"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(frame)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
    }

    /** Well-formed, signed with a key the control plane never had. */
    private static String forged() throws Exception {
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String payload = "{\"added\":[\"all\"]}";
        SignedEnvelope unsigned = new SignedEnvelope(EventTypes.POLICY_UPDATED, "evt-forged", Instant.now(), "forged-nonce", payload, null);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(EnvelopeVerifier.canonicalBytes(unsigned));
        return "{\"event_type\":\"policy_updated\",\"event_id\":\"evt-forged\",\"issued_at\":\"" + unsigned.issuedAt()
                + "\",\"nonce\":\"forged-nonce\",\"payload\":" + payload + ",\"signature\":\""
                + Base64.getEncoder().encodeToString(signer.sign()) + "\"}";
    }
}
