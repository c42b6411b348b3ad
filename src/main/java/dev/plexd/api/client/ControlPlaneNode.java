package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventDispatcher;
import dev.plexd.api.HeartbeatRequest;
import dev.plexd.policy.ReconcileTrigger;
import dev.plexd.reconcile.StateSource;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * Everything a node needs from its control plane, put together: registration (or the saved
 * identity), the verifier, the state source for the reconciler, the event stream and heartbeats.
 *
 * <pre>{@code
 * ControlPlaneNode cp = ControlPlaneNode.connect(settings);      // registers if needed
 * Reconciler reconciler = new Reconciler(cp.stateSource());
 * reconciler.start();                                            // first cycle also fetches signing keys
 * cp.start(reconciler, new EventDispatcher(), meshInfo, rotateKeys);
 * }</pre>
 */
public final class ControlPlaneNode implements AutoCloseable {

    private final ControlPlaneSettings settings;
    private final Clock clock;
    private final ControlPlaneClient client;
    private final EnvelopeVerifier verifier;
    private final NodeSession session;
    private final HttpStateSource stateSource;
    private final ScheduledThreadPoolExecutor timers;
    private final TaskScheduler scheduler;
    private EventStream events;
    private HeartbeatLoop heartbeat;

    private ControlPlaneNode(ControlPlaneSettings settings, Clock clock, Map<String, String> env) {
        this.settings = settings.validate();
        this.clock = clock;
        this.client = new ControlPlaneClient(settings, clock);
        this.verifier = new EnvelopeVerifier(null, clock);
        this.session = new NodeSession(settings, client, new IdentityStore(settings.dataDir()), verifier, env,
                Backoff.DEFAULT, new SecureRandom(), duration -> Thread.sleep(duration), clock);
        this.stateSource = new HttpStateSource(client, session, verifier);
        this.timers = TaskScheduler.daemonExecutor("control-plane-timers");
        this.scheduler = TaskScheduler.of(timers);
    }

    /**
     * Loads the node identity or registers (retrying transient failures until it succeeds).
     *
     * @throws RegistrationException when registration is refused or impossible
     */
    public static ControlPlaneNode connect(ControlPlaneSettings settings) throws IOException, InterruptedException {
        return connect(settings, Clock.systemUTC(), System.getenv());
    }

    public static ControlPlaneNode connect(ControlPlaneSettings settings, Clock clock, Map<String, String> env)
            throws IOException, InterruptedException {
        ControlPlaneNode node = new ControlPlaneNode(settings, clock, env);
        try {
            node.session.ensureRegistered();
            return node;
        } catch (IOException | InterruptedException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /**
     * Registers the event handlers and starts the event stream and the heartbeats.
     *
     * @param mesh         the mesh interface's state for heartbeats, may be null
     * @param onRotateKeys called when a heartbeat answer asks for new WireGuard keys, may be null
     */
    public synchronized void start(ReconcileTrigger trigger, EventDispatcher dispatcher,
                                   Supplier<HeartbeatRequest.Mesh> mesh, Runnable onRotateKeys) {
        if (events != null) {
            throw new IllegalStateException("control plane connection already started");
        }
        EventHandlers.register(dispatcher, trigger, verifier);
        events = new EventStream(client, session, verifier, dispatcher, trigger, settings, scheduler, clock, new SecureRandom());
        heartbeat = new HeartbeatLoop(client, session, trigger, settings.heartbeatInterval(), scheduler, clock, mesh, onRotateKeys);
        events.start();
        heartbeat.start();
    }

    public NodeIdentity identity() {
        return session.identity();
    }

    public StateSource stateSource() {
        return stateSource;
    }

    public EnvelopeVerifier verifier() {
        return verifier;
    }

    /** The event stream's counters and state; null before {@link #start}. */
    public synchronized EventStream events() {
        return events;
    }

    /** The heartbeat counters; null before {@link #start}. */
    public synchronized HeartbeatLoop heartbeat() {
        return heartbeat;
    }

    /** Leaves the mesh: tells the control plane and removes the saved identity. */
    public void deregister() throws IOException {
        session.deregister();
    }

    @Override
    public synchronized void close() {
        if (events != null) {
            events.close();
        }
        if (heartbeat != null) {
            heartbeat.close();
        }
        timers.shutdownNow();
        client.close();
    }
}
