package dev.plexd.api;

import dev.plexd.api.VerificationException.Reason;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The single gate every control-plane event passes before anything acts on it. Checks, in order:
 * signature, nonce and issued_at present; issued_at no more than 5 minutes old and no more than
 * 5 minutes ahead; an Ed25519 signature over {@link #canonicalBytes} valid for the current key, or
 * for the previous key while {@code transition_expires} is in the future; the nonce not seen
 * before within its validity window. A nonce is recorded only after its signature verified, so a
 * forged envelope cannot burn the nonce of a genuine one.
 *
 * <p>Thread-safe: keys are swapped atomically; the nonce window is guarded by this object.
 */
public final class EnvelopeVerifier {

    /** How far issued_at may lie in the past or in the future. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(5);

    /**
     * Upper bound of remembered nonces. A control plane sending more than this within 5 minutes is
     * misbehaving; further events are rejected (fail closed) rather than weakening replay checks.
     */
    public static final int MAX_NONCES = 100_000;

    private static final Duration SWEEP_EVERY = Duration.ofSeconds(30);

    private record KeySet(SigningKeys source, PublicKey current, PublicKey previous, Instant transitionExpires) {
        static final KeySet NONE = new KeySet(null, null, null, null);
    }

    private final Clock clock;
    private volatile KeySet keys;

    /** nonce → the instant after which the envelope carrying it is stale anyway. */
    private final Map<String, Instant> nonces = new HashMap<>();
    private Instant nextSweep = Instant.MIN;

    /**
     * @param keys the signing keys known so far, may be null: every event is then rejected until
     *             {@link #setKeys} is called
     */
    public EnvelopeVerifier(SigningKeys keys, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keys = keys == null ? KeySet.NONE : decode(keys);
    }

    /**
     * Replaces the signing keys (rotation). On a malformed key the previous keys stay in force.
     *
     * @throws IllegalArgumentException naming the field when a key is not base64 of 32 bytes
     */
    public void setKeys(SigningKeys keys) {
        this.keys = decode(Objects.requireNonNull(keys, "keys"));
    }

    /** The keys in force, or null when none have been set. */
    public SigningKeys keys() {
        return keys.source();
    }

    private static KeySet decode(SigningKeys keys) {
        PublicKey current = Ed25519Keys.decodePublic(keys.current(), "signing_keys.current");
        PublicKey previous = keys.previous() == null || keys.previous().isEmpty()
                ? null : Ed25519Keys.decodePublic(keys.previous(), "signing_keys.previous");
        return new KeySet(keys, current, previous, keys.transitionExpires());
    }

    /**
     * @throws VerificationException with the {@link Reason} when the envelope must be rejected
     */
    public void verify(SignedEnvelope envelope) throws VerificationException {
        String id = envelope.eventId();
        if (isEmpty(envelope.signature())) {
            throw new VerificationException(Reason.MISSING_FIELD, "event " + id + ": missing signature");
        }
        if (isEmpty(envelope.nonce())) {
            throw new VerificationException(Reason.MISSING_FIELD, "event " + id + ": missing nonce");
        }
        if (envelope.issuedAt() == null) {
            throw new VerificationException(Reason.MISSING_FIELD, "event " + id + ": missing issued_at");
        }
        Instant now = clock.instant();
        if (envelope.issuedAt().isBefore(now.minus(MAX_SKEW))) {
            throw new VerificationException(Reason.STALE, "event " + id + ": issued_at " + envelope.issuedAt()
                    + " is more than " + MAX_SKEW.toMinutes() + " minutes old");
        }
        if (envelope.issuedAt().isAfter(now.plus(MAX_SKEW))) {
            throw new VerificationException(Reason.FUTURE, "event " + id + ": issued_at " + envelope.issuedAt()
                    + " is more than " + MAX_SKEW.toMinutes() + " minutes in the future");
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(envelope.signature());
        } catch (IllegalArgumentException e) {
            throw new VerificationException(Reason.BAD_ENCODING, "event " + id + ": signature is not valid base64", e);
        }
        KeySet keySet = keys;
        if (keySet.current() == null) {
            throw new VerificationException(Reason.NO_KEY, "event " + id + ": no signing key known yet");
        }
        byte[] message;
        try {
            message = canonicalBytes(envelope);
        } catch (IllegalArgumentException e) {
            throw new VerificationException(Reason.BAD_ENCODING, "event " + id + ": " + e.getMessage(), e);
        }
        boolean valid = signatureValid(keySet.current(), message, signature)
                || (keySet.previous() != null && keySet.transitionExpires() != null
                && now.isBefore(keySet.transitionExpires())
                && signatureValid(keySet.previous(), message, signature));
        if (!valid) {
            throw new VerificationException(Reason.BAD_SIGNATURE, "event " + id + ": signature does not verify");
        }
        recordNonce(envelope, now);
    }

    private synchronized void recordNonce(SignedEnvelope envelope, Instant now) throws VerificationException {
        if (!now.isBefore(nextSweep) || nonces.size() >= MAX_NONCES) {
            nonces.values().removeIf(expiry -> !expiry.isAfter(now));
            nextSweep = now.plus(SWEEP_EVERY);
        }
        Instant seenUntil = nonces.get(envelope.nonce());
        if (seenUntil != null && seenUntil.isAfter(now)) {
            throw new VerificationException(Reason.REPLAYED, "event " + envelope.eventId() + ": nonce already seen");
        }
        if (nonces.size() >= MAX_NONCES) {
            throw new VerificationException(Reason.REPLAY_WINDOW_FULL, "event " + envelope.eventId()
                    + ": more than " + MAX_NONCES + " events within " + MAX_SKEW.toMinutes() + " minutes");
        }
        // The envelope stays acceptable until issued_at + MAX_SKEW; remember its nonce that long.
        Instant issued = envelope.issuedAt();
        nonces.put(envelope.nonce(), (issued.isAfter(now) ? issued : now).plus(MAX_SKEW));
    }

    private static boolean signatureValid(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // A signature of the wrong length or shape is simply not valid.
            return false;
        }
    }

    /**
     * The exact bytes the control plane signs: Go's {@code json.Marshal} of
     * {@code {event_type, event_id, issued_at, nonce, payload}} in that order, without whitespace.
     * Strings use Go's HTML-safe escaping, {@code issued_at} Go's RFC 3339 form in UTC, and the
     * payload is the received text compacted ({@code null} when absent).
     *
     * @throws IllegalArgumentException when issued_at cannot be written the way Go writes it
     */
    public static byte[] canonicalBytes(SignedEnvelope envelope) {
        StringBuilder out = new StringBuilder(128 + (envelope.payload() == null ? 4 : envelope.payload().length()));
        out.append("{\"event_type\":");
        GoJson.appendString(out, envelope.eventType());
        out.append(",\"event_id\":");
        GoJson.appendString(out, envelope.eventId());
        out.append(",\"issued_at\":");
        GoJson.appendTime(out, envelope.issuedAt());
        out.append(",\"nonce\":");
        GoJson.appendString(out, envelope.nonce());
        out.append(",\"payload\":");
        if (envelope.payload() == null) {
            out.append("null");
        } else {
            GoJson.appendCompact(out, envelope.payload());
        }
        out.append('}');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
