package dev.plexd.daemon;

import dev.plexd.api.Json;
import dev.plexd.daemon.api.ApiClient;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.metrics.PrometheusText;
import dev.plexd.daemon.state.StateStore;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import dev.plexd.wireguard.WireGuardControllers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class DaemonTest {

    @TempDir
    Path dir;

    @Test
    void localModeStartsEnforcesReconcilesAndStops() throws Exception {
        LocalNode node = new LocalNode(dir);
        // One cycle only: a second one (unchanged) would replace the "applied" outcome asserted below.
        Daemon daemon = node.daemon("reconcile.interval=1h");
        daemon.start();
        try {
            // Deny-all first (no persisted state), then the state file's policy.
            assertThat(node.firewall.applied.getFirst()).containsExactly(
                    new FirewallRule("plexd0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny"));
            // Copied under the list's lock: the reconciler thread may be adding to it.
            assertThat(node.wireGuard.operations().subList(0, 4)).containsExactly(
                    "create plexd0", "mtu plexd0 1420", "address plexd0 10.100.0.1/16", "up plexd0");
            until("first reconcile", () -> daemon.status().ready());
            assertThat(node.peerKeys()).containsExactly(LocalNode.BETA_KEY);
            assertThat(node.firewall.last()).contains(
                    new FirewallRule("plexd0", "10.100.0.1", "10.100.0.2", 22, "tcp", "allow"));

            ApiClient api = new ApiClient(node.socket, Duration.ofSeconds(5));
            NodeStatus status = Json.MAPPER.readValue(api.get("/v1/status").body(), NodeStatus.class);
            assertThat(status.ready()).isTrue();
            assertThat(status.mode()).isEqualTo("local");
            assertThat(status.node().id()).isEqualTo("alpha");
            assertThat(status.node().publicKey()).hasSize(44);
            assertThat(status.counts()).isEqualTo(new NodeStatus.Counts(3, 1, 1, 1, node.firewall.last().size()));
            assertThat(status.lastReconcile().outcome()).isEqualTo("applied");
            assertThat(api.get("/readyz").status()).isEqualTo(200);
            var metrics = PrometheusText.parse(api.get("/metrics").text());
            assertThat(metrics).containsEntry("plexd_reconcile_cycles_total{outcome=\"applied\"}", 1.0)
                    .containsEntry("plexd_peers{state=\"configured\"}", 1.0)
                    .containsEntry("plexd_ready", 1.0)
                    .containsKey("plexd_firewall_apply_duration_seconds_count");

            // The applied state is persisted for the next start.
            Path persisted = dir.resolve("data").resolve(StateStore.FILE_NAME);
            until("state persisted", () -> Files.exists(persisted));
            assertThat(Files.getPosixFilePermissions(persisted)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(dir.resolve("data"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        } finally {
            assertThat(daemon.stop()).isTrue();
        }
        assertThat(node.dataPlaneClosed).isTrue();
        assertThat(node.socket).doesNotExist();
        // Without shutdown.teardown_firewall the rules stay in force after exit.
        assertThat(node.firewall.calls).noneMatch(c -> c.startsWith("flush") || c.startsWith("delete"));
    }

    @Test
    void editingTheStateFileTakesEffectOnTheNextCycle() throws Exception {
        LocalNode node = new LocalNode(dir);
        Daemon daemon = node.daemon();
        daemon.start();
        try {
            until("first reconcile", () -> daemon.status().ready());
            assertThat(node.peerKeys()).containsExactly(LocalNode.BETA_KEY);
            // beta loses its policy, gamma gets one.
            Files.writeString(node.stateFile, LocalNode.STATE.replace("dst: beta", "dst: gamma"));
            until("gamma replaces beta", () -> node.peerKeys().contains(LocalNode.GAMMA_KEY)
                    && !node.peerKeys().contains(LocalNode.BETA_KEY));
        } finally {
            assertThat(daemon.stop()).isTrue();
        }
    }

    @Test
    void restartEnforcesThePersistedStateBeforeTheSourceIsReachable() throws Exception {
        LocalNode node = new LocalNode(dir);
        Daemon first = node.daemon();
        first.start();
        until("first reconcile", () -> first.status().ready());
        until("state persisted", () -> Files.exists(dir.resolve("data").resolve(StateStore.FILE_NAME)));
        first.stop();

        // The state source is now broken: the restart must enforce the persisted state anyway.
        Files.writeString(node.stateFile, "peers: [ {id: broken");
        LocalNode again = new LocalNode(dir);
        Files.writeString(again.stateFile, "peers: [ {id: broken");
        Daemon second = again.daemon();
        second.start();
        try {
            assertThat(second.status().ready()).isTrue(); // ready from the restored state, before any cycle
            assertThat(again.peerKeys()).containsExactly(LocalNode.BETA_KEY);
            assertThat(again.firewall.applied.getFirst()).contains(
                    new FirewallRule("plexd0", "10.100.0.1", "10.100.0.2", 22, "tcp", "allow"));
            // The first cycle fails to fetch and changes nothing.
            until("a failed cycle", () -> second.status().status().lastReconcile().outcome() != null);
            assertThat(second.status().status().lastReconcile().outcome()).isEqualTo("fetch_failed");
            assertThat(again.peerKeys()).containsExactly(LocalNode.BETA_KEY);
        } finally {
            second.stop();
        }
    }

    @Test
    void aCorruptPersistedStateMeansDenyAllNeverAllow() throws Exception {
        LocalNode node = new LocalNode(dir);
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data").resolve(StateStore.FILE_NAME), "{\"peers\": [{\"id\": \"beta\"");
        Files.writeString(node.stateFile, "not: [valid");
        Daemon daemon = node.daemon();
        daemon.start();
        try {
            assertThat(node.firewall.applied).containsExactly(
                    List.of(new FirewallRule("plexd0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny")));
            assertThat(node.peerKeys()).isEmpty();
            until("a failed cycle", () -> daemon.status().status().lastReconcile().outcome() != null);
            assertThat(daemon.status().ready()).isFalse();
            assertThat(node.peerKeys()).isEmpty();
        } finally {
            daemon.stop();
        }
    }

    @Test
    void teardownOnShutdownWhenConfigured() throws Exception {
        LocalNode node = new LocalNode(dir);
        Daemon daemon = node.daemon("shutdown.teardown_firewall=true");
        daemon.start();
        until("first reconcile", () -> daemon.status().ready());
        assertThat(daemon.stop()).isTrue();
        assertThat(node.firewall.calls).endsWith("flush plexd-mesh", "delete plexd-mesh");
        // The firewall goes before the data plane closes.
        assertThat(node.dataPlaneClosed).isTrue();
    }

    @Test
    void withoutAPersistedStateDenyAllIsInForceBeforeIdentityAndDataPlane() throws Exception {
        LocalNode node = new LocalNode(dir);
        List<List<FirewallRule>> appliedWhenOpening = new java.util.ArrayList<>();
        Wiring.DataPlaneFactory inMemory = node.dataPlane();
        Daemon daemon = new Daemon(node.config(), node.wiring().withDataPlane((cfg, spec) -> {
            appliedWhenOpening.addAll(node.firewall.applied);
            return inMemory.open(cfg, spec);
        }));
        daemon.start();
        try {
            assertThat(appliedWhenOpening).containsExactly(
                    List.of(new FirewallRule("plexd0", FirewallRule.ANY, FirewallRule.ANY, 0, "", "deny")));
        } finally {
            daemon.stop();
        }
    }

    @Test
    void aDataPlaneTheHostCannotRunFailsStartClearlyAndCleansUp() throws Exception {
        assumeFalse(WireGuardControllers.kernelAvailable(Exec.host()), "this host has the WireGuard kernel module");
        LocalNode node = new LocalNode(dir);
        Daemon daemon = new Daemon(node.config("wireguard.mode=kernel"), Wiring.builtIn().withFirewall((cfg, policy) -> node.firewall));
        assertThatThrownBy(daemon::start).isInstanceOf(ComponentUnavailableException.class)
                .hasMessageStartingWith("wireguard.mode kernel: this kernel has no WireGuard module");
        assertThat(node.socket).doesNotExist();
    }

    @Test
    void firewallNoneStillFiltersPeers() throws Exception {
        LocalNode node = new LocalNode(dir);
        Daemon daemon = new Daemon(node.config("firewall.backend=none"), Wiring.builtIn().withDataPlane(node.dataPlane()));
        daemon.start();
        try {
            until("first reconcile", () -> daemon.status().ready());
            assertThat(node.peerKeys()).containsExactly(LocalNode.BETA_KEY);
            assertThat(daemon.status().status().counts().firewallRules()).isZero();
            assertThat(daemon.status().status().enforcement().firewallBackend()).isEqualTo("none");
        } finally {
            daemon.stop();
        }
    }

    @Test
    void servicesReloadReachesTheFilter() throws Exception {
        LocalNode node = new LocalNode(dir);
        int[] reloads = {0};
        List<List<String>> peerUpdates = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServiceControl services = new ServiceControl() {
            @Override
            public void updatePeers(List<dev.plexd.api.Peer> peers) {
                peerUpdates.add(peers.stream().map(dev.plexd.api.Peer::id).toList());
            }

            @Override
            public dev.plexd.service.InboundFilter filter() {
                return dev.plexd.service.InboundFilter.ALLOW_ALL;
            }

            @Override
            public List<String> reload() {
                reloads[0]++;
                return errors();
            }

            @Override
            public List<String> errors() {
                return List.of("services/global.policy:2: unknown protocol (icmp)");
            }

            @Override
            public NodeStatus.Services status() {
                return new NodeStatus.Services(true, false, "userspace", "etc", true, "allow", 0, 0, 0, 1, null, null,
                        errors(), List.of(), List.of());
            }

            @Override
            public void close() {
            }
        };
        dev.plexd.service.InboundFilter[] handedToDataPlane = {null};
        Daemon daemon = new Daemon(node.config("services.enabled=true"), node.wiring().withServices(d -> services)
                .withDataPlane((cfg, spec) -> {
                    handedToDataPlane[0] = spec.filter();
                    return node.dataPlane().open(cfg, spec);
                }));
        daemon.start();
        try {
            assertThat(handedToDataPlane[0]).isSameAs(services.filter());
            until("peers given to the service filter", () -> !peerUpdates.isEmpty());
            assertThat(peerUpdates).containsExactly(List.of("alpha", "beta", "gamma"));
            Files.writeString(node.stateFile, LocalNode.STATE.replaceAll("(?m)^.*id: gamma.*\n", ""));
            until("gamma leaves the service filter's peers", () -> peerUpdates.size() == 2);
            assertThat(peerUpdates.getLast()).containsExactly("alpha", "beta");
            assertThat(daemon.reloadServices()).containsExactly("services/global.policy:2: unknown protocol (icmp)");
            ApiClient api = new ApiClient(node.socket, Duration.ofSeconds(5));
            assertThat(api.send("POST", "/v1/services/reload", null).status()).isEqualTo(200);
            assertThat(reloads[0]).isEqualTo(2);
            NodeStatus status = Json.MAPPER.readValue(api.get("/v1/status").body(), NodeStatus.class);
            assertThat(status.services().errors()).hasSize(1);
        } finally {
            daemon.stop();
        }
    }
}
