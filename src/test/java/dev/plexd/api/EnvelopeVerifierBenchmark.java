package dev.plexd.api;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Cost of admitting one event: {@link EnvelopeVerifier#verify} (canonical bytes, Ed25519, skew and
 * nonce checks) against the floor, the JDK's bare Ed25519 verification of the same bytes, in the
 * same run. The envelope is a {@code policy_updated} with a ~700-byte pretty-printed payload.
 * Run: {@code scripts/bench EnvelopeVerifierBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EnvelopeVerifierBenchmark {

    private static final Instant NOW = Instant.parse("2025-01-15T10:30:00Z");
    private static final int ENVELOPES = 40_000;
    private static final String PAYLOAD = """
            {
              "policy": {
                "id": "pol-web",
                "description": "web tier <-> db tier & monitoring",
                "rules": [
                  {"src": "web-1", "dst": "db-1", "port": 5432, "protocol": "tcp", "action": "allow"},
                  {"src": "web-2", "dst": "db-1", "port": 5432, "protocol": "tcp", "action": "allow"},
                  {"src": "mon-1", "dst": "*", "port": 9100, "protocol": "tcp", "action": "allow"},
                  {"src": "*", "dst": "db-1", "port": 0, "protocol": "", "action": "deny"}
                ],
                "labels": {"tier": "web", "owner": "ops", "weight": 1.0, "limit": 1e3}
              }
            }""";

    private SignedEnvelope[] envelopes;
    private SigningKeys keys;
    private EnvelopeVerifier verifier;
    private int next;

    private byte[] canonical;
    private byte[] signature;
    private PublicKey publicKey;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        keys = SigningKeys.of(Ed25519Keys.encodePublic(pair.getPublic()));
        publicKey = pair.getPublic();
        Signature signer = Signature.getInstance("Ed25519");
        envelopes = new SignedEnvelope[ENVELOPES];
        for (int i = 0; i < ENVELOPES; i++) {
            SignedEnvelope unsigned = new SignedEnvelope("policy_updated", "evt-" + i, NOW, "nonce-" + i, PAYLOAD, null);
            signer.initSign(pair.getPrivate());
            signer.update(EnvelopeVerifier.canonicalBytes(unsigned));
            envelopes[i] = new SignedEnvelope(unsigned.eventType(), unsigned.eventId(), NOW, unsigned.nonce(), PAYLOAD,
                    Base64.getEncoder().encodeToString(signer.sign()));
        }
        canonical = EnvelopeVerifier.canonicalBytes(envelopes[0]);
        signature = Base64.getDecoder().decode(envelopes[0].signature());
        freshVerifier();
    }

    private void freshVerifier() {
        verifier = new EnvelopeVerifier(keys, Clock.fixed(NOW, ZoneOffset.UTC));
        next = 0;
    }

    /** Every call admits a distinct envelope; a new verifier starts when all were used (no replays). */
    @Benchmark
    public SignedEnvelope verify() throws VerificationException {
        if (next == ENVELOPES) {
            freshVerifier();
        }
        SignedEnvelope envelope = envelopes[next++];
        verifier.verify(envelope);
        return envelope;
    }

    @Benchmark
    public byte[] canonicalBytes() {
        return EnvelopeVerifier.canonicalBytes(envelopes[0]);
    }

    /** The floor: the JDK verifying the same bytes with an already decoded key. */
    @Benchmark
    public boolean jdkEd25519Reference() throws GeneralSecurityException {
        Signature verify = Signature.getInstance("Ed25519");
        verify.initVerify(publicKey);
        verify.update(canonical);
        return verify.verify(signature);
    }
}
