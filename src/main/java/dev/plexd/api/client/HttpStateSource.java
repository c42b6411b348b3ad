package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.DriftReport;
import dev.plexd.reconcile.StateSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Objects;

/**
 * Desired state from {@code GET /v1/nodes/{id}/state}; drift goes to {@code POST …/drift}. The
 * state's {@code signing_keys} are handed to the verifier, so key rotations reach the node even
 * when it missed the {@code signing_key_rotated} event. A failed fetch throws, and the reconciler
 * keeps the applied state.
 */
public final class HttpStateSource implements StateSource {

    private static final Logger log = LoggerFactory.getLogger(HttpStateSource.class);

    private final ControlPlaneClient client;
    private final NodeSession session;
    private final EnvelopeVerifier verifier;

    public HttpStateSource(ControlPlaneClient client, NodeSession session, EnvelopeVerifier verifier) {
        this.client = Objects.requireNonNull(client, "client");
        this.session = Objects.requireNonNull(session, "session");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    @Override
    public StateResponse fetchState() throws IOException {
        StateResponse state = session.call(client::fetchState);
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
        session.call(identity -> {
            client.reportDrift(identity, report);
            return null;
        });
    }
}
