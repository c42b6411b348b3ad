package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.RegisterRequest;
import dev.plexd.api.RegisterResponse;
import dev.plexd.api.SigningKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The node's standing with the control plane: registers once (or loads the saved identity),
 * supplies the node secret to every request and re-authenticates when the control plane stops
 * accepting it.
 *
 * <p>Registration retries transport failures, 5xx and 429 with {@link Backoff#DEFAULT} (honouring
 * {@code Retry-After}) for as long as it takes; 400, 401, 403, 404 and 409 are final and raise a
 * {@link RegistrationException} saying what to fix.
 */
public final class NodeSession {

    /** Sleeps between registration attempts; tests record the delays instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** One authenticated request. */
    @FunctionalInterface
    public interface AuthenticatedCall<T> {
        T call(NodeIdentity identity) throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(NodeSession.class);

    private final ControlPlaneSettings settings;
    private final ControlPlaneClient client;
    private final IdentityStore store;
    private final EnvelopeVerifier verifier;
    private final Map<String, String> env;
    private final Backoff backoff;
    private final RandomGenerator random;
    private final Sleeper sleeper;
    private final Clock clock;

    private volatile NodeIdentity identity;

    public NodeSession(ControlPlaneSettings settings, ControlPlaneClient client, IdentityStore store,
                       EnvelopeVerifier verifier, Map<String, String> env, Backoff backoff, RandomGenerator random,
                       Sleeper sleeper, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.client = Objects.requireNonNull(client, "client");
        this.store = Objects.requireNonNull(store, "store");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.env = Map.copyOf(env);
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.random = Objects.requireNonNull(random, "random");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Loads the saved identity, or registers with the bootstrap token and saves it.
     *
     * @throws RegistrationException when registration is refused or no token is available
     * @throws IOException           when the identity file is unreadable or cannot be written
     */
    public NodeIdentity ensureRegistered() throws IOException, InterruptedException {
        Optional<NodeIdentity> saved = store.load();
        if (saved.isPresent()) {
            adopt(saved.get(), false);
            log.atInfo().addKeyValue("node_id", saved.get().nodeId()).log("using saved node identity");
            return saved.get();
        }
        BootstrapToken token = BootstrapToken.resolve(settings, env).orElseThrow(() -> new RegistrationException(
                "node is not registered and no bootstrap token is available: set control_plane.bootstrap_token_file "
                        + "or " + ControlPlaneSettings.ENV_BOOTSTRAP_TOKEN));
        for (int attempt = 0; ; attempt++) {
            try {
                return registerWith(token, null);
            } catch (RegistrationException e) {
                throw e;
            } catch (IOException e) {
                Duration delay = backoff.delay(attempt, random);
                if (e instanceof RateLimitedException limited && limited.retryAfter().isPresent()
                        && limited.retryAfter().get().compareTo(delay) > 0) {
                    delay = limited.retryAfter().get();
                }
                log.atWarn().addKeyValue("attempt", attempt + 1).addKeyValue("retry_in_ms", delay.toMillis())
                        .addKeyValue("error", e.getMessage()).log("registration failed; retrying");
                sleeper.sleep(delay);
            }
        }
    }

    /** The identity in use. */
    public NodeIdentity identity() {
        NodeIdentity current = identity;
        if (current == null) {
            throw new IllegalStateException("node is not registered yet");
        }
        return current;
    }

    /**
     * Called after a 401 for a request made with {@code rejected}. Uses an identity saved by
     * someone else since (e.g. an operator re-registered the node), else registers again when a
     * bootstrap token is still available. Never throws: the callers keep running and try again.
     *
     * @return whether a different credential is now in use
     */
    public synchronized boolean reauthenticate(NodeIdentity rejected) {
        NodeIdentity current = identity;
        if (current != null && rejected != null && !current.nodeSecretKey().equals(rejected.nodeSecretKey())) {
            return true;
        }
        try {
            Optional<NodeIdentity> saved = store.load();
            if (saved.isPresent() && (rejected == null || !saved.get().nodeSecretKey().equals(rejected.nodeSecretKey()))) {
                adopt(saved.get(), false);
                log.atInfo().addKeyValue("node_id", saved.get().nodeId()).log("node secret rejected; reloaded the saved identity");
                return true;
            }
            Optional<BootstrapToken> token = BootstrapToken.resolve(settings, env);
            if (token.isEmpty()) {
                log.error("control plane rejected the node secret and no bootstrap token is available to register "
                        + "again; set control_plane.bootstrap_token_file or " + ControlPlaneSettings.ENV_BOOTSTRAP_TOKEN);
                return false;
            }
            registerWith(token.get(), current);
            log.info("node secret rejected; registered again");
            return true;
        } catch (IOException | RuntimeException e) {
            log.atWarn().addKeyValue("error", e.getMessage()).log("re-authentication failed; will retry");
            return false;
        }
    }

    /** Runs an authenticated request; after a 401 it re-authenticates and tries once more. */
    public <T> T call(AuthenticatedCall<T> request) throws IOException {
        NodeIdentity used = identity();
        try {
            return request.call(used);
        } catch (UnauthorizedException e) {
            if (!reauthenticate(used)) {
                throw e;
            }
            return request.call(identity());
        }
    }

    /** Tells the control plane the node leaves the mesh and forgets the identity. */
    public synchronized void deregister() throws IOException {
        client.deregister(identity());
        store.delete();
        log.atInfo().addKeyValue("node_id", identity.nodeId()).log("node deregistered");
        identity = null;
    }

    private NodeIdentity registerWith(BootstrapToken token, NodeIdentity previous) throws IOException {
        // Keep the WireGuard key across re-registrations: peers know the node by it.
        WireGuardKeyPair keys = previous != null && previous.privateKey() != null
                ? new WireGuardKeyPair(previous.privateKey(), previous.publicKey())
                : WireGuardKeyPair.generate();
        String hostname = previous != null ? previous.hostname() : hostname();
        RegisterResponse response;
        try {
            response = client.register(new RegisterRequest(token.value(), keys.publicKey(), hostname, null));
        } catch (ControlPlaneException e) {
            RegistrationException fatal = finalError(e, token);
            if (fatal != null) {
                throw fatal;
            }
            throw e;
        }
        if (response.nodeId() == null || response.nodeId().isEmpty()
                || response.nodeSecretKey() == null || response.nodeSecretKey().isEmpty()) {
            throw new RegistrationException("registration response lacks node_id or node_secret_key");
        }
        NodeIdentity registered = new NodeIdentity(response.nodeId(), response.meshIp(), response.signingPublicKey(),
                response.nodeSecretKey(), keys.privateKey(), keys.publicKey(), hostname, clock.instant());
        store.save(registered);
        token.consumed();
        adopt(registered, true);
        log.atInfo().addKeyValue("node_id", registered.nodeId()).addKeyValue("mesh_ip", registered.meshIp())
                .addKeyValue("token_source", token.source()).log("node registered");
        return registered;
    }

    private static RegistrationException finalError(ControlPlaneException e, BootstrapToken token) {
        String why = switch (e.statusCode()) {
            case 400 -> "the control plane rejected the registration request as malformed";
            case 401 -> "the bootstrap token from " + token.source() + " was not accepted (wrong, expired or already used)";
            case 403 -> "the bootstrap token from " + token.source() + " may not register this node";
            case 404 -> "the control plane has no registration endpoint at this URL (check control_plane.url)";
            case 409 -> "a node with this hostname is already registered (deregister it or use another hostname)";
            default -> null;
        };
        if (why == null) {
            return null;
        }
        return new RegistrationException("registration refused: HTTP " + e.statusCode() + ": " + why
                + (e.bodyExcerpt().isEmpty() ? "" : " (" + e.bodyExcerpt() + ")"), e.statusCode(), e.bodyExcerpt());
    }

    /**
     * @param registered a fresh registration's signing key is authoritative; a saved one only
     *                   fills in when no key is known yet (the state refreshes keys later)
     */
    private void adopt(NodeIdentity next, boolean registered) {
        identity = next;
        if ((registered || verifier.keys() == null) && next.signingPublicKey() != null && !next.signingPublicKey().isEmpty()) {
            try {
                verifier.setKeys(SigningKeys.of(next.signingPublicKey()));
            } catch (IllegalArgumentException e) {
                log.atWarn().addKeyValue("error", e.getMessage()).log("registration gave an unusable signing key; "
                        + "events are rejected until the state provides one");
            }
        }
    }

    private String hostname() {
        if (settings.hostname() != null) {
            return settings.hostname();
        }
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                return Files.readString(kernel).strip();
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            throw new IllegalStateException("cannot determine the hostname; set it in the configuration", e);
        }
    }
}
