package dev.plexd.daemon;

import dev.plexd.api.EventDispatcher;
import dev.plexd.api.HeartbeatRequest;
import dev.plexd.api.client.ControlPlaneNode;
import dev.plexd.api.client.ControlPlaneSettings;
import dev.plexd.api.client.EventStream;
import dev.plexd.api.client.RegistrationException;
import dev.plexd.daemon.api.StatusSource;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.policy.ReconcileTrigger;
import dev.plexd.reconcile.StateSource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * {@link ControlPlaneLink} over {@link ControlPlaneNode}, which does the work: registration with
 * the bootstrap token (inline, file or {@code PLEXD_BOOTSTRAP_TOKEN}) or the identity saved in
 * {@code <data_dir>/identity.json}, the {@code HttpStateSource}, the verified event stream with
 * {@code EventHandlers} ({@code policy_updated} and peer events trigger a reconcile) and heartbeats.
 * This class only maps the daemon's configuration onto it and reads its counters.
 */
public final class ControlPlaneNodeLink implements ControlPlaneLink {

    private final ControlPlaneNode node;
    private final MeshIdentity identity;
    private final NodeKey key;
    private final DaemonConfig.WireGuard wireguard;

    private ControlPlaneNodeLink(ControlPlaneNode node, DaemonConfig.WireGuard wireguard) throws IOException {
        this.node = node;
        this.wireguard = wireguard;
        var registered = node.identity();
        this.identity = new MeshIdentity(registered.nodeId(), registered.meshIp(), registered.hostname());
        this.key = NodeKey.of(registered.privateKey(), "identity.json private_key");
    }

    /**
     * Registers (retrying transient failures until it succeeds) or loads the saved identity.
     *
     * @throws IOException when registration is refused or impossible (message says what to fix)
     */
    public static ControlPlaneNodeLink connect(DaemonConfig config, String hostname) throws IOException {
        return connect(config, hostname, System.getenv());
    }

    static ControlPlaneNodeLink connect(DaemonConfig config, String hostname, Map<String, String> env) throws IOException {
        ControlPlaneNode node;
        try {
            node = ControlPlaneNode.connect(settings(config, hostname), java.time.Clock.systemUTC(), env);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("control plane registration interrupted");
        } catch (RegistrationException e) {
            throw new IOException("control_plane: " + e.getMessage(), e);
        }
        try {
            return new ControlPlaneNodeLink(node, config.wireguard());
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    static ControlPlaneSettings settings(DaemonConfig config, String hostname) {
        DaemonConfig.ControlPlane cp = config.controlPlane();
        return ControlPlaneSettings.defaults().withUrl(cp.url()).withBootstrapToken(cp.bootstrapToken())
                .withBootstrapTokenFile(cp.bootstrapTokenFile()).withDataDir(config.dataDir()).withHostname(hostname)
                .withRequestTimeout(cp.requestTimeout()).withHeartbeatInterval(cp.heartbeatInterval())
                .withEventIdleTimeout(cp.eventIdleTimeout()).withPollFallbackAfter(cp.pollFallbackAfter())
                .withPollInterval(cp.pollInterval());
    }

    @Override
    public MeshIdentity identity() {
        return identity;
    }

    @Override
    public NodeKey key() {
        return key;
    }

    @Override
    public StateSource stateSource() {
        return node.stateSource();
    }

    @Override
    public void start(ReconcileTrigger trigger, StatusSource status) {
        node.start(trigger, new EventDispatcher(),
                () -> new HeartbeatRequest.Mesh(wireguard.iface(), status.status().counts().peersConfigured(), wireguard.listenPort()),
                null);
    }

    @Override
    public String connectionState() {
        EventStream events = node.events();
        return events == null ? "registered" : events.state().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void registerMetrics(DaemonMetrics metrics) {
        metrics.registerEventsReceived(() -> {
            EventStream events = node.events();
            return events == null ? Map.of() : events.eventsReceived();
        });
        metrics.registerEventsRejected(() -> {
            EventStream events = node.events();
            return events == null ? Map.of() : events.eventsRejected();
        });
    }

    @Override
    public void close() {
        node.close();
    }
}
