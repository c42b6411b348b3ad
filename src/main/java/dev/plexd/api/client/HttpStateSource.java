package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.DriftReport;
import dev.plexd.reconcile.StateSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Desired state from {@code GET /v1/nodes/{id}/state}; drift goes to {@code POST …/drift}. The
 * state's {@code signing_keys} are handed to the verifier, so key rotations reach the node even
 * when it missed the {@code signing_key_rotated} event. A failed fetch throws, and the reconciler
 * keeps the applied state.
 *
 * <p>A 429 with {@code Retry-After} is honoured per endpoint: until the time the control plane
 * asked for, a call to that endpoint sends nothing and fails at once with a
 * {@link RateLimitedException} saying until when (reconcile triggers and ticks keep coming; they
 * must not hammer a control plane that asked for quiet).
 */
public final class HttpStateSource implements StateSource {

    private static final Logger log = LoggerFactory.getLogger(HttpStateSource.class);

    private final ControlPlaneClient client;
    private final NodeSession session;
    private final EnvelopeVerifier verifier;
    /** Per endpoint, the earliest time the control plane accepts another request. */
    private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();

    public HttpStateSource(ControlPlaneClient client, NodeSession session, EnvelopeVerifier verifier) {
        this.client = Objects.requireNonNull(client, "client");
        this.session = Objects.requireNonNull(session, "session");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    @Override
    public StateResponse fetchState() throws IOException {
        StateResponse state = call("GET /v1/nodes/{id}/state", client::fetchState);
        if (state.signingKeys() != null && state.signingKeys().hasCurrent() && !state.signingKeys().equals(verifier.keys())) {
            try {
                verifier.setKeys(state.signingKeys());
                log.atInfo().addKeyValue("current", state.signingKeys().current()).log("signing keys updated from state");
            } catch (IllegalArgumentException e) {
                log.atWarn().addKeyValue("error", e.getMessage()).log("state carries unusable signing keys; keeping the current ones");
            }
        }
        return state;
    }

    @Override
    public void reportDrift(DriftReport report) throws IOException {
        call("POST /v1/nodes/{id}/drift", identity -> {
            client.reportDrift(identity, report);
            return null;
        });
    }

    private <T> T call(String endpoint, NodeSession.AuthenticatedCall<T> request) throws IOException {
        Instant now = client.clock().instant();
        Instant until = notBefore.get(endpoint);
        if (until != null && now.isBefore(until)) {
            throw new RateLimitedException("control plane: " + endpoint + " not sent: the control plane asked "
                    + "(HTTP 429 Retry-After) for no request before " + until, "", Duration.between(now, until));
        }
        try {
            return session.call(request);
        } catch (RateLimitedException e) {
            e.retryAfter().filter(delay -> delay.isPositive()).ifPresent(delay -> {
                Instant next = client.clock().instant().plus(delay);
                notBefore.put(endpoint, next);
                log.atWarn().addKeyValue("endpoint", endpoint).addKeyValue("not_before", next.toString())
                        .log("control plane rate-limited this endpoint; waiting as asked");
            });
            throw e;
        }
    }
}
