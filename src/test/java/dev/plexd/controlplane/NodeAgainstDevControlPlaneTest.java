package dev.plexd.controlplane;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventDispatcher;
import dev.plexd.api.EventTypes;
import dev.plexd.api.Policy;
import dev.plexd.api.SignedEnvelope;
import dev.plexd.api.client.ControlPlaneNode;
import dev.plexd.api.client.ControlPlaneSettings;
import dev.plexd.api.client.EventStream;
import dev.plexd.policy.Config;
import dev.plexd.policy.Enforcer;
import dev.plexd.policy.PolicyEngine;
import dev.plexd.policy.PolicyReconcileHandler;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.Reconciler;
import dev.plexd.testing.Fixtures;
import dev.plexd.testing.InMemoryWireGuard;
import dev.plexd.wireguard.WireGuardManager;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node — reconciler, control-plane client, event stream, verifier and the policy handler — against
 * the development control plane on loopback. Only the WireGuard data plane is in memory.
 */
class NodeAgainstDevControlPlaneTest {

    private static final Logger log = LoggerFactory.getLogger(NodeAgainstDevControlPlaneTest.class);
    private static final String IFACE = "plexd0";
    private static final String STATE = """
            peers:
              - {id: alpha, mesh_ip: 10.100.0.1, endpoint: "192.0.2.11:51820"}
              - {id: beta, public_key: %s, mesh_ip: 10.100.0.2, endpoint: "192.0.2.12:51820"}
              - {id: gamma, public_key: %s, mesh_ip: 10.100.0.3, endpoint: "192.0.2.13:51820"}
            policies:
              - id: mesh
                rules:
                  - {src: alpha, dst: %s, port: 0, protocol: "", action: allow}
            """;

    @TempDir
    Path dir;

    private DevControlPlane plane;
    private ControlPlaneNode node;
    private Reconciler reconciler;
    private final OkHttpClient http = new OkHttpClient();

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null) {
            node.close();
        }
        if (reconciler != null) {
            reconciler.stop(Duration.ofSeconds(5));
        }
        if (plane != null) {
            plane.close();
        }
        http.dispatcher().executorService().shutdown();
    }

    private static String state(String allowedPeer) {
        return STATE.formatted(Fixtures.keyFor("beta"), Fixtures.keyFor("gamma"), allowedPeer);
    }

    private void writeState(String text) throws IOException {
        Path next = dir.resolve("state.next");
        Files.writeString(next, text);
        Files.move(next, dir.resolve("state.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aPolicyEditReachesThePolicyHandlerVerifiedAndAForgedEventIsRejected() throws Exception {
        writeState(state("beta"));
        plane = DevControlPlane.start(new DevControlPlane.Options(dir.resolve("state.yaml"),
                new InetSocketAddress("127.0.0.1", 0), dir.resolve("signing.pem"), "boot-token", null,
                Duration.ofSeconds(15), 64));
        ControlPlaneSettings settings = ControlPlaneSettings.defaults().withUrl(plane.url()).withBootstrapToken("boot-token")
                .withDataDir(dir.resolve("node")).withHostname("alpha");
        node = ControlPlaneNode.connect(settings, Clock.systemUTC(), Map.of());

        InMemoryWireGuard wireGuard = new InMemoryWireGuard();
        reconciler = new Reconciler(node.stateSource());
        reconciler.registerHandler(new PolicyReconcileHandler(new Enforcer(new PolicyEngine(), null, new Config(true, null)),
                new WireGuardManager(wireGuard, IFACE), node.identity().nodeId(), node.identity().meshIp(), IFACE));
        BlockingQueue<CycleResult> cycles = new LinkedBlockingQueue<>();
        reconciler.addListener(cycles::add);
        reconciler.start();
        assertThat(cycles.poll(10, TimeUnit.SECONDS)).extracting(CycleResult::outcome).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(wireGuard.peerKeys(IFACE)).containsExactly(Fixtures.keyFor("beta"));

        EventDispatcher dispatcher = new EventDispatcher();
        BlockingQueue<Long> policyEventsAt = new LinkedBlockingQueue<>();
        List<SignedEnvelope> policyEvents = new CopyOnWriteArrayList<>();
        node.start(reconciler, dispatcher, null, null);
        // Beside the real PolicyUpdatedHandler that node.start registered: records what reached it.
        dispatcher.register(EventTypes.POLICY_UPDATED, event -> {
            long at = System.nanoTime();
            policyEvents.add(event); // before the signal the test thread waits on, so it sees the event
            policyEventsAt.add(at);
        });
        EventStream events = node.events();
        until("stream connected", () -> events.state() == EventStream.State.CONNECTED && plane.streams() == 1);

        // The operator edits the policy: alpha may now reach gamma instead of beta. The clock starts
        // once the edited file is in place (the rename), as the issue words the one-second promise.
        writeState(state("gamma"));
        long editedAt = System.nanoTime();
        Long receivedAt = policyEventsAt.poll(10, TimeUnit.SECONDS);

        assertThat(receivedAt).as("policy_updated reached the handler").isNotNull();
        Duration latency = Duration.ofNanos(receivedAt - editedAt);
        log.atInfo().addKeyValue("latency_ms", latency.toMillis()).log("state file edit to verified policy_updated at the handler");
        assertThat(latency).as("state file in place to a verified policy_updated at the handler").isLessThan(Duration.ofSeconds(1));
        assertThat(policyEvents).singleElement().extracting(SignedEnvelope::eventType).isEqualTo(EventTypes.POLICY_UPDATED);
        assertThat(events.eventsReceived()).containsEntry(EventTypes.POLICY_UPDATED, 1L);
        CycleResult policyCycle = cycles.poll(10, TimeUnit.SECONDS);
        assertThat(policyCycle).isNotNull();
        assertThat(policyCycle.outcome()).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(policyCycle.diff().policiesToAdd()).extracting(Policy::id).containsExactly("mesh");
        assertThat(wireGuard.peerKeys(IFACE)).containsExactly(Fixtures.keyFor("gamma"));

        // Forged events: well-formed, but signed with a key the control plane never had.
        String forged = forgedEnvelope(EventTypes.PEER_ADDED, "{\"id\":\"mallory\"}");
        String tampered = signedByOtherKeyThenTampered();
        inject("id: 999\ndata: " + forged + "\n\n" + "data: " + tampered + "\n\n");
        until("forged events rejected", () -> events.eventsRejected().getOrDefault("bad_signature", 0L) == 2);

        assertThat(events.eventsRejected()).isEqualTo(Map.of("bad_signature", 2L));
        assertThat(policyEvents).hasSize(1);
        assertThat(events.eventsReceived()).doesNotContainKey(EventTypes.PEER_ADDED);
        assertThat(cycles).as("no reconcile ran").isEmpty();
        assertThat(wireGuard.peerKeys(IFACE)).containsExactly(Fixtures.keyFor("gamma"));
        until("a heartbeat", () -> node.heartbeat().heartbeatsSent() > 0);
    }

    private void inject(String frame) throws IOException {
        Request request = new Request.Builder().url(plane.url() + "/dev/inject").header("Authorization", "Bearer boot-token")
                .post(RequestBody.create(frame, MediaType.get("text/plain"))).build();
        try (Response response = http.newCall(request).execute()) {
            assertThat(response.code()).isEqualTo(202);
        }
    }

    private static String forgedEnvelope(String type, String payload) throws Exception {
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignedEnvelope unsigned = new SignedEnvelope(type, "evt-forged", Instant.now(), "forged-nonce", payload, null);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(EnvelopeVerifier.canonicalBytes(unsigned));
        String signature = Base64.getEncoder().encodeToString(signer.sign());
        return "{\"event_type\":\"" + type + "\",\"event_id\":\"evt-forged\",\"issued_at\":\"" + unsigned.issuedAt()
                + "\",\"nonce\":\"forged-nonce\",\"payload\":" + payload + ",\"signature\":\"" + signature + "\"}";
    }

    private static String signedByOtherKeyThenTampered() throws Exception {
        return forgedEnvelope(EventTypes.POLICY_UPDATED, "{\"added\":[\"mesh\"]}").replace("mesh", "all")
                .replace("forged-nonce", "forged-nonce-2");
    }

}
