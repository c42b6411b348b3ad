package dev.plexd.api.client;

import dev.plexd.api.Ed25519Keys;
import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.SignedEnvelope;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signs envelopes for stream tests. The canonical bytes come from the verifier, whose bytes the
 * openssl vectors pin down independently.
 */
final class TestSigner {

    private final KeyPair pair;
    private final AtomicLong nonces = new AtomicLong();

    TestSigner() {
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    String publicKey() {
        return Ed25519Keys.encodePublic(pair.getPublic());
    }

    /** Envelope JSON on one line. */
    String envelope(String type, String id, Instant issuedAt, String payload) {
        String nonce = "nonce-" + nonces.incrementAndGet();
        SignedEnvelope unsigned = new SignedEnvelope(type, id, issuedAt, nonce, payload, null);
        String signature;
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(pair.getPrivate());
            signer.update(EnvelopeVerifier.canonicalBytes(unsigned));
            signature = Base64.getEncoder().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return "{\"event_type\":\"" + type + "\",\"event_id\":\"" + id + "\",\"issued_at\":\"" + issuedAt
                + "\",\"nonce\":\"" + nonce + "\",\"payload\":" + payload + ",\"signature\":\"" + signature + "\"}";
    }
}
