package dev.plexd.daemon;

import dev.plexd.api.StateResponse;
import dev.plexd.daemon.api.ApiServer;
import dev.plexd.daemon.api.NodeApi;
import dev.plexd.daemon.api.StatusSource;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.daemon.metrics.InstrumentedFirewall;
import dev.plexd.daemon.state.StatePersister;
import dev.plexd.daemon.state.StateStore;
import dev.plexd.firewall.ManagedFirewall;
import dev.plexd.policy.Enforcer;
import dev.plexd.policy.FirewallController;
import dev.plexd.policy.PolicyEngine;
import dev.plexd.policy.PolicyException;
import dev.plexd.policy.PolicyReconcileHandler;
import dev.plexd.reconcile.FileStateSource;
import dev.plexd.reconcile.Reconciler;
import dev.plexd.reconcile.StateDiff;
import dev.plexd.reconcile.StateSource;
import dev.plexd.service.InboundFilter;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.WireGuardManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * {@code plexd up}: brings the node's components up in a fixed order and down in the reverse.
 *
 * <p>When it is created it settles {@code wireguard.mode: auto} ({@link DataPlaneChoice}), so every
 * component below sees the mode that runs.
 *
 * <p>The start order:
 * <ol>
 *   <li>data directory and the persisted state ({@link StateStore});</li>
 *   <li>the firewall backend; without a persisted state (or with a corrupt one) deny-all is
 *       enforced at once, before anything else starts;</li>
 *   <li>the local API (healthy at once, ready only after the first enforcement) and metrics;</li>
 *   <li>service filter, WireGuard key, identity (config, or the control plane: saved or registered);</li>
 *   <li>the data plane and the mesh interface (created down, with the mesh address and prefix);</li>
 *   <li>the persisted state enforced (its peers need the data plane; the service filter learns
 *       their node IDs first), still before anything can
 *       reach the network; then the interface goes up;</li>
 *   <li>the reconciler against the state file or the control plane, then the event stream.</li>
 * </ol>
 *
 * Shutdown runs the registered steps in reverse within {@code shutdown.timeout}: reconciler,
 * firewall drift checks, data plane, control plane link (event stream), service filter, API, and
 * last the optional firewall teardown (the interface is gone by then).
 * A failure during start runs the same steps for what had started.
 */
public final class Daemon {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final DaemonConfig config;
    private final Wiring wiring;
    private final Clock clock;
    private final DaemonMetrics metrics = new DaemonMetrics();
    private final DaemonStatus status;
    /** Pushed as components start, popped by the shutdown thread (which must not need the daemon's monitor). */
    private final Deque<Step> shutdownSteps = new ConcurrentLinkedDeque<>();

    private ServiceControl services;
    private boolean stopped;

    private record Step(String name, Action action) {
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    public Daemon(DaemonConfig config, Wiring wiring) {
        this(config, wiring, Clock.systemUTC());
    }

    Daemon(DaemonConfig config, Wiring wiring, Clock clock) {
        this.config = DataPlaneChoice.resolve(config, wiring.kernelProbe());
        this.wiring = wiring;
        this.clock = clock;
        this.status = new DaemonStatus(this.config, clock.instant(), this::logReady);
    }

    /**
     * Starts everything; returns once the node enforces its restored state (or deny-all) and the
     * reconciler runs. On failure whatever started is stopped again before the exception leaves.
     */
    public synchronized void start() throws Exception {
        long start = System.nanoTime();
        log.atInfo().addKeyValue("mode", config.localMode() ? "local" : "control_plane")
                .addKeyValue("wireguard_mode", config.wireguard().mode().key())
                .addKeyValue("firewall_backend", config.firewall().backend().key())
                .addKeyValue("interface", config.wireguard().iface()).log("plexd starting");
        try {
            startComponents();
        } catch (Exception e) {
            // An interrupted start (a stop signal) still cleans up to the end, within the timeout.
            boolean interrupted = Thread.interrupted();
            stop();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        log.atInfo().addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000).log("plexd started");
    }

    private void startComponents() throws Exception {
        Files.createDirectories(config.dataDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        StateStore store = new StateStore(config.dataDir());
        StateStore.Loaded persisted = store.load();
        String iface = config.wireguard().iface();

        FirewallController backend = null;
        InstrumentedFirewall firewall = null;
        if (config.firewall().backend() != DaemonConfig.FirewallBackend.NONE) {
            backend = wiring.firewall().create(config.firewall(), config.policy().toPolicyConfig());
            firewall = new InstrumentedFirewall(backend, metrics);
        }
        Enforcer enforcer = new Enforcer(new PolicyEngine(), firewall, config.policy().toPolicyConfig());
        if (config.shutdown().teardownFirewall()) {
            shutdownSteps.push(new Step("firewall teardown", enforcer::teardown));
        }
        // Without a state to restore, deny-all needs nothing but the firewall: it is in force before
        // the API, registration or the data plane, which would otherwise delay it by their start.
        StateStore.Restored toRestore = persisted instanceof StateStore.Restored r ? r : null;
        if (toRestore == null) {
            enforceDenyAll(persisted, enforcer, iface);
        }

        startApi();

        InboundFilter filter = InboundFilter.ALLOW_ALL;
        if (config.services().enabled()) {
            services = wiring.services().open(config);
            ServiceControl opened = services;
            shutdownSteps.push(new Step("service filter", opened::close));
            opened.registerMetrics(metrics);
            filter = opened.filter();
            status.attachServices(opened);
            if (!opened.errors().isEmpty()) {
                log.atWarn().addKeyValue("errors", opened.errors().size()).addKeyValue("first", opened.errors().getFirst())
                        .log("service policy files have errors; see plexd status");
            }
        }

        NodeKey key;
        MeshIdentity identity;
        StateSource source;
        ControlPlaneLink controlPlane = null;
        if (config.localMode()) {
            key = NodeKey.loadOrCreate(config.wireguard().privateKeyFile());
            identity = new MeshIdentity(config.node().id(), config.node().meshIp(), hostname());
            source = new FileStateSource(config.stateFile());
        } else {
            controlPlane = wiring.controlPlane().connect(config, hostname());
            ControlPlaneLink link = controlPlane;
            shutdownSteps.push(new Step("control plane", link::close));
            link.registerMetrics(metrics);
            status.attachControlPlane(link);
            identity = link.identity();
            key = link.key();
            source = link.stateSource();
        }
        status.attachIdentity(identity, key.publicKeyBase64());
        log.atInfo().addKeyValue("node_id", identity.id()).addKeyValue("mesh_ip", identity.meshIp())
                .addKeyValue("public_key", key.publicKeyBase64()).log("node identity");

        byte[] privateKey = key.privateKey();
        DataPlane dataPlane;
        try {
            dataPlane = wiring.dataPlane().open(config.wireguard(), new InterfaceSpec(iface, privateKey,
                    config.wireguard().listenPort(), config.wireguard().mtu(),
                    List.of(identity.interfaceCidr(config.node().meshPrefix(), config.node().meshPrefixV6())), filter));
        } finally {
            Arrays.fill(privateKey, (byte) 0);
        }
        shutdownSteps.push(new Step("data plane", dataPlane::close));
        dataPlane.registerMetrics(metrics);
        WireGuardController wg = dataPlane.controller();

        WireGuardManager manager = new WireGuardManager(wg, iface);
        PolicyReconcileHandler handler = new PolicyReconcileHandler(enforcer, manager, identity.id(),
                identity.meshAddress(), iface);
        status.attachEnforcement(enforcer, manager, firewall);

        if (services != null && toRestore != null) {
            // Before the data plane gets the peers: their slots are bound knowing their node IDs.
            services.updatePeers(toRestore.state().peers());
        }
        StateResponse restored = toRestore == null ? null : restore(toRestore, enforcer, handler, iface);
        if (backend instanceof ManagedFirewall managed) {
            // Stopped before a teardown, so no drift check restores the chain being removed.
            FirewallUpkeep upkeep = FirewallUpkeep.start(managed, config.firewall().driftCheckInterval(), metrics);
            shutdownSteps.push(new Step("firewall drift checks", upkeep::close));
        }
        wg.setUp(iface);

        Reconciler reconciler = new Reconciler(source, config.reconcile().interval(), clock);
        status.attachReconciler(reconciler);
        if (restored != null) {
            reconciler.seedApplied(restored);
        }
        ServicePeerFeed serviceFeed = null;
        if (services != null) {
            // Even when restoring failed, the data plane may hold some of the persisted peers.
            serviceFeed = new ServicePeerFeed(services, reconciler, toRestore == null ? null : toRestore.state().peers());
            reconciler.registerHandler(serviceFeed); // before the WireGuard handler adds any peer
        }
        reconciler.registerHandler(handler);
        reconciler.addListener(metrics.reconcileListener());
        reconciler.addListener(new StatePersister(store, reconciler, restored));
        reconciler.addListener(status);
        if (serviceFeed != null) {
            reconciler.addListener(serviceFeed);
        }
        metrics.registerPeers(status::peerCounts);
        metrics.registerReady(status::ready);
        metrics.registerServicePolicyErrors(status::servicePolicyErrors);
        reconciler.start();
        shutdownSteps.push(new Step("reconciler", () -> reconciler.stop(config.shutdown().timeout())));

        if (controlPlane != null) {
            controlPlane.start(reconciler, status);
        }
    }

    private void startApi() throws IOException {
        ApiServer api = new ApiServer(NodeApi.router(status, metrics, config.services().enabled() ? this::reloadServices : null),
                ApiServer.Limits.DEFAULT);
        shutdownSteps.push(new Step("local API", api::close));
        api.listenUnix(config.api().socket());
        if (!config.api().tcpListen().isEmpty()) {
            String token = Files.readString(config.api().tokenFile()).strip();
            api.listenTcp(hostPort(config.api().tcpListen()), token);
        }
    }

    /**
     * Enforces the persisted state once the data plane is open (its peers are part of it). Returns
     * it, or null when enforcing it failed: then deny-all is in force until the first cycle, which
     * applies everything.
     */
    private StateResponse restore(StateStore.Restored persisted, Enforcer enforcer, PolicyReconcileHandler handler,
                                  String iface) throws Exception {
        StateResponse state = persisted.state();
        try {
            StateDiff everything = StateDiff.compute(state, null);
            if (everything.isEmpty()) {
                enforceNoPolicies(enforcer, iface);
            } else {
                handler.reconcile(state, everything);
            }
            status.enforcedAtStart(state, clock.instant());
            log.atInfo().addKeyValue("peers", state.peers().size()).addKeyValue("policies", state.policies().size())
                    .log("persisted state enforced");
            return state;
        } catch (Exception e) {
            log.atError().setCause(e).log("enforcing the persisted state failed; enforcing deny-all until the first reconcile");
        }
        enforceNoPolicies(enforcer, iface);
        status.enforcedAtStart(null, clock.instant());
        return null;
    }

    /** No persisted state, or a corrupt one: deny-all until the first reconcile. */
    private void enforceDenyAll(StateStore.Loaded persisted, Enforcer enforcer, String iface) throws PolicyException {
        if (persisted instanceof StateStore.Corrupt(String reason)) {
            log.atError().addKeyValue("reason", reason).log("persisted state unusable; enforcing deny-all");
        } else {
            log.info("no persisted state; enforcing deny-all until the first reconcile");
        }
        enforceNoPolicies(enforcer, iface);
        status.enforcedAtStart(null, clock.instant());
    }

    /** An empty policy list yields only the default deny rule, whatever the node's id (not known yet before registration). */
    private static void enforceNoPolicies(Enforcer enforcer, String iface) throws PolicyException {
        enforcer.applyFirewallRules(List.of(), "", iface, Map.of());
    }

    /** SIGHUP and {@code POST /v1/services/reload}. */
    public List<String> reloadServices() throws IOException {
        ServiceControl filter = services;
        if (filter == null) {
            log.info("service reload requested, but service access control is not running");
            return List.of();
        }
        List<String> errors = filter.reload();
        if (errors.isEmpty()) {
            log.info("service policies reloaded");
        } else {
            log.atWarn().addKeyValue("errors", errors.size()).addKeyValue("first", errors.getFirst())
                    .log("service policies reloaded with errors; the last good policy stays in force for those files");
        }
        return errors;
    }

    /**
     * Stops everything started, in reverse order, within {@code shutdown.timeout}.
     *
     * @return false when the timeout passed first (the caller exits non-zero)
     */
    public boolean stop() {
        synchronized (this) {
            if (stopped) {
                return true;
            }
            stopped = true;
        }
        Duration timeout = config.shutdown().timeout();
        long start = System.nanoTime();
        log.atInfo().addKeyValue("timeout_ms", timeout.toMillis()).log("plexd stopping");
        Thread worker = Thread.ofPlatform().name("shutdown").start(this::runShutdownSteps);
        try {
            if (!worker.join(timeout)) {
                log.atError().addKeyValue("timeout_ms", timeout.toMillis()).log("shutdown did not finish in time");
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        log.atInfo().addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000).log("plexd stopped");
        return true;
    }

    private void runShutdownSteps() {
        Step step;
        while ((step = shutdownSteps.poll()) != null) {
            long start = System.nanoTime();
            try {
                step.action().run();
                log.atDebug().addKeyValue("step", step.name()).addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                        .log("stopped");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.atWarn().addKeyValue("step", step.name()).setCause(e).log("shutdown step failed; continuing");
            }
        }
    }

    public StatusSource status() {
        return status;
    }

    public DaemonMetrics metrics() {
        return metrics;
    }

    /** Runs once, after the first enforcement; the JVM's start time is read only then, off the startup path. */
    private void logReady() {
        long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        log.atInfo().addKeyValue("node_id", status.status().node().id()).addKeyValue("since_jvm_start_ms", sinceJvmStart)
                .log("node ready: desired state enforced");
    }

    private String hostname() {
        if (!config.node().hostname().isEmpty()) {
            return config.node().hostname();
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code 127.0.0.1:9100} or {@code [::1]:9100}, already validated by the config loader. */
    private static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        String host = text.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(dev.plexd.wireguard.PeerConfig.parseIpLiteral(host, "api.tcp_listen"),
                Integer.parseInt(text.substring(colon + 1)));
    }
}
