package dev.plexd.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.api.Json;
import dev.plexd.daemon.api.ApiClient;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.service.InboundFilter;
import dev.plexd.service.ServiceAccess;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.testing.CliRun;
import dev.plexd.testing.InMemoryWireGuard;
import dev.plexd.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Service access control inside a running daemon (local mode), with the real {@link ServiceAccess}
 * over a temp config directory: reloads through the local API and {@code plexd service reload},
 * what {@code /v1/status} and {@code plexd status} show, and when a new peer's identity reaches
 * the filter.
 */
class ServiceAccessDaemonTest {

    /** alpha may reach beta and gamma: both are configured in the data plane. */
    private static final String STATE = LocalNode.STATE.replace("""
                rules:
                  - {src: alpha, dst: beta, port: 22, protocol: tcp, action: allow}
            """, """
                rules:
                  - {src: alpha, dst: beta, port: 22, protocol: tcp, action: allow}
                  - {src: alpha, dst: gamma, port: 22, protocol: tcp, action: allow}
            """);

    @TempDir
    Path dir;

    private LocalNode node;
    private Daemon daemon;
    private SlotBinding dataPlane;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.stop();
        }
    }

    private void write(String file, String text) {
        new ServicesDir(dir.resolve("etc")).file(file, text);
    }

    @BeforeEach
    void node() throws Exception {
        node = new LocalNode(dir);
        Files.writeString(node.stateFile, STATE);
    }

    private void start() throws Exception {
        daemon = new Daemon(node.config("services.enabled=true"), node.wiring().withDataPlane((cfg, spec) -> {
            dataPlane = new SlotBinding(spec.filter());
            node.wireGuard.listen(dataPlane);
            return ControllerDataPlane.open(node.wireGuard, spec, () -> node.dataPlaneClosed = true);
        }));
        daemon.start();
    }

    private NodeStatus status() throws Exception {
        return Json.MAPPER.readValue(api().get("/v1/status").body(), NodeStatus.class);
    }

    private ApiClient api() {
        return new ApiClient(node.socket, Duration.ofSeconds(5));
    }

    /**
     * A peer file naming beta by node ID denies what global.policy allows. The cycle that adds beta
     * fails (gamma cannot be added), so no cycle succeeds; beta's very first packet is still judged
     * with its node ID. Before the fix the filter learnt node IDs only after a successful cycle, and
     * beta's port 53 was open through the global allow.
     */
    @Test
    void nodeIdDenyHoldsFromTheFirstPacketWhileTheCycleFails() throws Exception {
        write("default", "deny\n");
        write("global.policy", "allow udp 53\n");
        write("peer/beta.policy", "deny udp 53\n");
        node.wireGuard.failFor(LocalNode.GAMMA_KEY);
        start();
        until("beta bound", () -> dataPlane.firstVerdict.containsKey(LocalNode.BETA_KEY));
        assertThat(dataPlane.firstVerdict).containsEntry(LocalNode.BETA_KEY, false);
        // beta is bound while the cycle is still running (gamma comes after it): wait for its end.
        until("the first cycle ended", () -> daemon.status().status().lastReconcile().outcome() != null);
        assertThat(status().lastReconcile().outcome()).isEqualTo("handler_failed");
        assertThat(status().lastReconcile().lastSuccessAt()).isNull();

        int beta = dataPlane.slots.get(LocalNode.BETA_KEY);
        assertThat(dataPlane.filter.allowInbound(beta, udp(53), 0, 28)).isFalse();
        assertThat(dataPlane.filter.allowInbound(beta, udp(54), 0, 28)).isFalse();

        // Per-peer counts reach /v1/status and plexd status: beta by node ID, drops by reason.
        NodeStatus.ServicePeer counts = status().services().peers().stream()
                .filter(p -> p.publicKey().equals(LocalNode.BETA_KEY)).findFirst().orElseThrow();
        assertThat(counts.peer()).isEqualTo("beta");
        assertThat(counts.allowed()).isZero();
        assertThat(counts.dropped()).containsEntry("policy", 3L).containsEntry("malformed", 0L).hasSize(6);
        CliRun run = CliRun.plexd("status", "--socket", node.socket.toString());
        assertThat(run.out()).contains("Service filter drops by peer:")
                .containsPattern("(?m)^beta\\s+0\\s+0\\s+3\\s+policy 3$");

        // gamma has no peer file: once it can be added, the global allow applies to it.
        node.wireGuard.heal(LocalNode.GAMMA_KEY);
        until("gamma bound", () -> dataPlane.firstVerdict.containsKey(LocalNode.GAMMA_KEY));
        assertThat(dataPlane.firstVerdict).containsEntry(LocalNode.GAMMA_KEY, true);
    }

    /** At start the persisted state's peers are restored into the data plane knowing their node IDs. */
    @Test
    void restoredPeersAreJudgedByNodeIdFromTheirFirstPacket() throws Exception {
        write("default", "deny\n");
        write("global.policy", "allow udp 53\n");
        write("peer/beta.policy", "deny udp 53\n");
        start();
        Path persisted = dir.resolve("data").resolve(dev.plexd.daemon.state.StateStore.FILE_NAME);
        until("state persisted", () -> daemon.status().ready() && Files.exists(persisted));
        daemon.stop();

        node = new LocalNode(dir); // a fresh data plane; same data directory
        Files.writeString(node.stateFile, STATE);
        start();
        // Recorded when the restore added beta, inside start(), before any reconcile cycle.
        assertThat(dataPlane.firstVerdict).containsEntry(LocalNode.BETA_KEY, false).containsEntry(LocalNode.GAMMA_KEY, true);
    }

    /**
     * beta leaves the desired state but cannot be removed from the data plane: while it is still
     * bound, the filter still knows its node ID, so its peer file keeps denying what the global
     * file allows.
     */
    @Test
    void aPeerWhoseRemovalFailsKeepsItsNodeIdRules() throws Exception {
        write("default", "deny\n");
        write("global.policy", "allow udp 53\n");
        write("peer/beta.policy", "deny udp 53\n");
        start();
        until("first cycle", () -> daemon.status().ready() && dataPlane.slots.containsKey(LocalNode.BETA_KEY)
                && dataPlane.slots.containsKey(LocalNode.GAMMA_KEY));
        int beta = dataPlane.slots.get(LocalNode.BETA_KEY);

        node.wireGuard.failFor(LocalNode.BETA_KEY);
        Files.writeString(node.stateFile, STATE.replaceAll("(?m)^.*(id: beta|dst: beta).*\n", ""));
        until("a cycle that fails to remove beta", () -> "handler_failed".equals(daemon.status().status().lastReconcile().outcome()));
        assertThat(dataPlane.slots).containsKey(LocalNode.BETA_KEY);
        assertThat(dataPlane.filter.allowInbound(beta, udp(53), 0, 28)).isFalse();
        assertThat(status().services().peers()).anyMatch(p -> p.peer().equals("beta"));

        node.wireGuard.heal(LocalNode.BETA_KEY);
        until("beta removed", () -> !dataPlane.slots.containsKey(LocalNode.BETA_KEY)
                && "applied".equals(daemon.status().status().lastReconcile().outcome()));
        assertThat(status().services().peers()).extracting(NodeStatus.ServicePeer::peer).containsExactly("gamma");
    }

    @Test
    void reloadThroughTheLocalApiPutsTheFileInForceAndABadFileKeepsTheLastGoodPolicy() throws Exception {
        write("default", "deny\n");
        write("global.policy", "allow udp 53\n");
        start();
        until("first cycle", () -> daemon.status().ready() && dataPlane.slots.containsKey(LocalNode.BETA_KEY));
        int beta = dataPlane.slots.get(LocalNode.BETA_KEY);
        assertThat(dataPlane.filter.allowInbound(beta, udp(8080), 0, 28)).isFalse();
        NodeStatus.Services before = status().services();
        assertThat(before.ok()).isTrue();
        assertThat(before.mode()).isEqualTo("userspace");
        assertThat(before.defaultAction()).isEqualTo("deny");
        assertThat(before.rules()).isEqualTo(1);
        assertThat(before.lastSuccess()).isNotNull();

        // plexd service reload: validates, then POSTs to the daemon's socket; in force when it returns.
        try (LogCapture loads = LogCapture.of(ServiceAccess.class)) {
            write("global.policy", "allow udp 53\nallow udp 8080\n");
            CliRun reload = CliRun.plexd("service", "--config-dir", dir.resolve("etc").toString(), "reload",
                    "--api-socket", node.socket.toString());
            assertThat(reload.exit()).as(reload.err()).isZero();
            assertThat(reload.out()).contains("Daemon reloaded the service policy.");
            assertThat(dataPlane.filter.allowInbound(beta, udp(8080), 0, 28)).isTrue();
            // The directory watcher loads the edit too, 100 ms after the write: wait for that load as
            // well, or it could come after `reloaded` is read and move what the bad file must not.
            until("the watcher's load of the edit", () -> loads.events().stream()
                    .filter(e -> e.getFormattedMessage().equals("service policy loaded"))
                    .filter(e -> "2".equals(LogCapture.fields(e).get("rules"))).count() >= 2);
        }
        NodeStatus.Services reloaded = status().services();
        assertThat(reloaded.generation()).isGreaterThan(before.generation());
        assertThat(reloaded.rules()).isEqualTo(2);
        assertThat(reloaded.lastSuccess()).isAfterOrEqualTo(before.lastSuccess());

        // A bad file, posted straight to the endpoint (the CLI would refuse before asking the daemon).
        try (LogCapture logs = LogCapture.of(ServiceAccess.class)) {
            write("global.policy", "allow udp 53\npermit udp 9090\n");
            var response = api().send("POST", "/v1/services/reload", null);
            assertThat(response.status()).isEqualTo(200);
            JsonNode body = Json.MAPPER.readTree(response.body());
            assertThat(body.path("reloaded").asBoolean()).isFalse();
            String problem = "services/global.policy:2: unknown action, expected allow or deny (permit)";
            assertThat(body.path("errors").get(0).asText()).isEqualTo(problem);
            assertThat(dataPlane.filter.allowInbound(beta, udp(8080), 0, 28)).isTrue();
            assertThat(dataPlane.filter.allowInbound(beta, udp(9090), 0, 28)).isFalse();
            NodeStatus.Services rejected = status().services();
            assertThat(rejected.ok()).isFalse();
            assertThat(rejected.errors()).containsExactly(problem);
            assertThat(rejected.generation()).isEqualTo(reloaded.generation());
            assertThat(rejected.rules()).isEqualTo(2);
            assertThat(rejected.lastSuccess()).isEqualTo(reloaded.lastSuccess());
            assertThat(rejected.lastAttempt()).isAfter(reloaded.lastSuccess());
            assertThat(logs.messages(ch.qos.logback.classic.Level.ERROR))
                    .contains("service policy rejected", "the last good service policy stays in force");
        }
        assertThat(PrometheusText.parse(api().get("/metrics").text()))
                .containsEntry("plexd_service_policy_errors", 1.0)
                .containsEntry("plexd_service_policy_generation", (double) reloaded.generation());
        CliRun run = CliRun.plexd("status", "--socket", node.socket.toString());
        assertThat(run.out()).containsPattern("(?m)^Services:\\s+userspace, default deny, 2 rules, generation "
                        + reloaded.generation() + ", loaded \\S+; 1 error\\(s\\), last good policy in force$")
                .contains("  service policy error: services/global.policy:2: unknown action");
    }

    /** An IPv4 UDP datagram from 10.100.0.2 to 10.100.0.1, no payload. */
    static byte[] udp(int dstPort) {
        byte[] p = new byte[28];
        p[0] = 0x45;
        p[3] = 28;
        p[8] = 64;
        p[9] = 17;
        p[12] = 10;
        p[13] = 100;
        p[15] = 2;
        p[16] = 10;
        p[17] = 100;
        p[19] = 1;
        p[20] = (byte) (40000 >> 8);
        p[21] = (byte) 40000;
        p[22] = (byte) (dstPort >> 8);
        p[23] = (byte) dstPort;
        p[25] = 8;
        return p;
    }

    /**
     * What plexd's userspace Device does when a peer is added to it ({@code tunnel/device/Device.java}):
     * it binds the peer's slot in the service filter, and from then on decrypted packets of that peer
     * reach it. The verdict for the peer's first packet (udp/53) is taken right there.
     */
    static final class SlotBinding implements InMemoryWireGuard.PeerListener {

        final InboundFilter filter;
        final Map<String, Integer> slots = new ConcurrentHashMap<>();
        final Map<String, Boolean> firstVerdict = new ConcurrentHashMap<>();
        private final Map<String, Integer> assigned = new HashMap<>();

        SlotBinding(InboundFilter filter) {
            this.filter = filter;
        }

        @Override
        public void added(String iface, String key) {
            int slot = assigned.computeIfAbsent(key, k -> assigned.size());
            filter.bindSlot(slot, key);
            slots.put(key, slot);
            firstVerdict.putIfAbsent(key, filter.allowInbound(slot, udp(53), 0, 28));
        }

        @Override
        public void removed(String iface, String key) {
            Integer slot = slots.remove(key);
            if (slot != null) {
                filter.unbindSlot(slot);
            }
        }
    }
}
