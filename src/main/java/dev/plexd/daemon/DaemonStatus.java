package dev.plexd.daemon;

import dev.plexd.Version;
import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.StateResponse;
import dev.plexd.daemon.api.NodeStatus;
import dev.plexd.daemon.api.PeerStatus;
import dev.plexd.daemon.api.StatusSource;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.metrics.InstrumentedFirewall;
import dev.plexd.logging.LogSetup;
import dev.plexd.policy.Enforcer;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.Reconciler;
import dev.plexd.wireguard.WireGuardManager;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The daemon's {@link StatusSource}: reads its components' getters at request time. Components
 * are attached as the daemon brings them up, so the API answers (not ready) during startup too.
 */
final class DaemonStatus implements StatusSource, Consumer<CycleResult> {

    private final DaemonConfig config;
    private final Instant startedAt;
    private final Runnable onFirstReady;

    private volatile MeshIdentity identity;
    private volatile String publicKey;
    private volatile Enforcer enforcer;
    private volatile WireGuardManager wireGuard;
    private volatile InstrumentedFirewall firewall;
    private volatile ServiceControl services;
    private volatile ControlPlaneLink controlPlane;
    private volatile Reconciler reconciler;

    /** The desired state the node enforces: restored at start, then each successful cycle's. */
    private volatile StateResponse enforced;
    private volatile CycleResult lastCycle;
    private volatile Instant lastSuccessAt;
    private volatile boolean ready;

    DaemonStatus(DaemonConfig config, Instant startedAt, Runnable onFirstReady) {
        this.config = config;
        this.startedAt = startedAt;
        this.onFirstReady = onFirstReady;
    }

    void attachIdentity(MeshIdentity identity, String publicKey) {
        this.identity = identity;
        this.publicKey = publicKey;
    }

    void attachEnforcement(Enforcer enforcer, WireGuardManager wireGuard, InstrumentedFirewall firewall) {
        this.enforcer = enforcer;
        this.wireGuard = wireGuard;
        this.firewall = firewall;
    }

    void attachServices(ServiceControl services) {
        this.services = services;
    }

    void attachControlPlane(ControlPlaneLink controlPlane) {
        this.controlPlane = controlPlane;
    }

    void attachReconciler(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    /** The restored state (or deny-all, {@code state} null) is in force. Deny-all alone is not ready. */
    void enforcedAtStart(StateResponse state, Instant at) {
        if (state != null) {
            enforced = state;
            lastSuccessAt = at;
            markReady();
        }
    }

    @Override
    public void accept(CycleResult result) {
        lastCycle = result;
        if (result.succeeded()) {
            Reconciler r = reconciler;
            if (r != null && r.appliedState() != null) {
                enforced = r.appliedState();
            }
            lastSuccessAt = result.startedAt().plus(result.duration());
            markReady();
        }
    }

    private void markReady() {
        if (!ready) {
            ready = true;
            onFirstReady.run();
        }
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public NodeStatus status() {
        MeshIdentity id = identity;
        StateResponse state = enforced;
        List<Peer> allowed = allowedPeers(state);
        WireGuardManager wg = wireGuard;
        InstrumentedFirewall fw = firewall;
        ServiceControl svc = services;
        ControlPlaneLink cp = controlPlane;
        return new NodeStatus(Version.get(), startedAt,
                new NodeStatus.Identity(id == null ? null : id.id(), id == null ? null : id.meshIp(),
                        id == null ? null : id.hostname(), publicKey, config.wireguard().iface()),
                config.localMode() ? "local" : "control_plane",
                new NodeStatus.ControlPlane(config.controlPlane().url().isEmpty() ? null : config.controlPlane().url(),
                        config.localMode() ? "local" : cp == null ? "starting" : cp.connectionState()),
                ready, reconcileStatus(),
                new NodeStatus.Counts(state == null ? 0 : state.peers().size(), allowed.size(),
                        wg == null ? 0 : wg.peerIndex().size(), state == null ? 0 : state.policies().size(),
                        fw == null ? 0 : fw.appliedRules()),
                new NodeStatus.Enforcement(config.policy().enabled(), config.firewall().backend().key(),
                        config.policy().chainName(), config.wireguard().mode().key()),
                svc == null ? NodeStatus.Services.notRunning(config.services().enabled()) : svc.status(),
                LogSetup.rootLevel().toLowerCase(Locale.ROOT));
    }

    private NodeStatus.Reconcile reconcileStatus() {
        CycleResult cycle = lastCycle;
        if (cycle == null) {
            return new NodeStatus.Reconcile(null, null, 0, null, lastSuccessAt);
        }
        String error = cycle.failures().isEmpty() ? null : cycle.failures().getFirst().getMessage();
        return new NodeStatus.Reconcile(cycle.startedAt(), cycle.outcome().name().toLowerCase(Locale.ROOT),
                cycle.duration().toMillis(), error, lastSuccessAt);
    }

    @Override
    public List<PeerStatus> peers() {
        StateResponse state = enforced;
        if (state == null) {
            return List.of();
        }
        Set<String> allowed = new HashSet<>();
        allowedPeers(state).forEach(p -> allowed.add(p.id()));
        WireGuardManager wg = wireGuard;
        Map<String, String> configured = wg == null ? Map.of() : wg.peerIndex();
        List<PeerStatus> peers = new ArrayList<>();
        for (Peer peer : state.peers()) {
            peers.add(new PeerStatus(peer.id(), peer.meshIp(), peer.endpoint(), peer.publicKey(), peer.allowedIps(),
                    allowed.contains(peer.id()), configured.containsKey(peer.id())));
        }
        return peers;
    }

    @Override
    public List<Policy> policies() {
        StateResponse state = enforced;
        return state == null ? List.of() : state.policies();
    }

    /** Counts for the {@code plexd_peers} gauge. */
    Map<String, Integer> peerCounts() {
        NodeStatus.Counts counts = status().counts();
        Map<String, Integer> byState = new LinkedHashMap<>();
        byState.put("desired", counts.peersDesired());
        byState.put("allowed", counts.peersAllowed());
        byState.put("configured", counts.peersConfigured());
        return byState;
    }

    int servicePolicyErrors() {
        ServiceControl svc = services;
        return svc == null ? 0 : svc.errors().size();
    }

    private List<Peer> allowedPeers(StateResponse state) {
        Enforcer e = enforcer;
        MeshIdentity id = identity;
        if (state == null || e == null || id == null) {
            return List.of();
        }
        return e.filterPeers(state.peers(), state.policies(), id.id());
    }
}
