package dev.plexd.api;

import dev.plexd.api.VerificationException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static dev.plexd.api.EnvelopeVectors.NOW;
import static dev.plexd.api.EnvelopeVectors.clockAt;
import static dev.plexd.api.EnvelopeVectors.envelope;
import static dev.plexd.api.EnvelopeVectors.envelopeJson;
import static dev.plexd.api.EnvelopeVectors.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Signature checks against envelopes signed with openssl over hand-written canonical bytes. */
class EnvelopeVerifierTest {

    private static EnvelopeVerifier verifierAt(Instant now) {
        return new EnvelopeVerifier(SigningKeys.of(key("current")), clockAt(now));
    }

    private static Reason rejection(EnvelopeVerifier verifier, SignedEnvelope envelope) {
        try {
            verifier.verify(envelope);
        } catch (VerificationException e) {
            return e.reason();
        }
        throw new AssertionError("envelope " + envelope.eventId() + " was accepted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic", "html-escapes", "unicode", "nested-whitespace", "numbers", "string-escapes",
            "null-payload", "rotation"})
    void canonicalBytesEqualTheHandWrittenOnesAndTheSignatureVerifies(String vector) throws Exception {
        SignedEnvelope envelope = envelope(vector);

        assertThat(EnvelopeVerifier.canonicalBytes(envelope)).isEqualTo(EnvelopeVectors.bytes(vector + "/canonical.bin"));
        verifierAt(NOW).verify(envelope);
    }

    @Test
    void aFlippedPayloadBitIsRejected() {
        SignedEnvelope flipped = SignedEnvelope.parse(EnvelopeVectors.text("flipped-payload.json"));
        assertThat(flipped.payload()).contains("pol-0");
        assertThat(rejection(verifierAt(NOW), flipped)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void aSignatureByAnUnknownKeyIsRejected() {
        assertThat(rejection(verifierAt(NOW), envelope("other-key"))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void signatureThatIsNotBase64IsRejected() {
        SignedEnvelope envelope = SignedEnvelope.parse(EnvelopeVectors.text("bad-base64.json"));
        assertThat(rejection(verifierAt(NOW), envelope)).isEqualTo(Reason.BAD_ENCODING);
    }

    @Test
    void aTruncatedSignatureIsRejected() {
        String json = envelopeJson("basic");
        String signature = EnvelopeVectors.text("basic/signature.b64");
        SignedEnvelope truncated = SignedEnvelope.parse(json.replace(signature, signature.substring(0, 44)));
        assertThat(rejection(verifierAt(NOW), truncated)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void eventsUpToFiveMinutesOldOrAheadAreAcceptedAndNoMore() {
        Instant issued = Instant.parse("2025-01-15T10:30:00Z");
        assertThatCode(() -> verifierAt(issued.plusSeconds(300)).verify(envelope("basic"))).doesNotThrowAnyException();
        assertThatCode(() -> verifierAt(issued.minusSeconds(300)).verify(envelope("basic"))).doesNotThrowAnyException();
        assertThat(rejection(verifierAt(issued.plusSeconds(301)), envelope("basic"))).isEqualTo(Reason.STALE);
        assertThat(rejection(verifierAt(issued.minusSeconds(301)), envelope("basic"))).isEqualTo(Reason.FUTURE);
    }

    @Test
    void aReplayedNonceIsRejected() throws Exception {
        EnvelopeVerifier verifier = verifierAt(NOW);
        verifier.verify(envelope("basic"));
        assertThat(rejection(verifier, envelope("basic"))).isEqualTo(Reason.REPLAYED);
    }

    @Test
    void aForgedEnvelopeDoesNotBurnTheNonceOfTheGenuineOne() throws Exception {
        EnvelopeVerifier verifier = verifierAt(NOW);
        assertThat(rejection(verifier, SignedEnvelope.parse(EnvelopeVectors.text("flipped-payload.json"))))
                .isEqualTo(Reason.BAD_SIGNATURE);
        verifier.verify(envelope("basic"));
    }

    @Test
    void missingSignatureNonceOrIssuedAtIsRejected() {
        String json = envelopeJson("basic");
        String withoutSignature = json.replaceAll(",\"signature\":\"[^\"]*\"", "");
        String withoutNonce = json.replace("\"nonce\":\"nonce-basic\",", "");
        String withoutIssuedAt = json.replace("\"issued_at\":\"2025-01-15T10:30:00Z\",", "");
        assertThat(withoutSignature).isNotEqualTo(json);
        assertThat(withoutNonce).isNotEqualTo(json);
        assertThat(withoutIssuedAt).isNotEqualTo(json);

        assertThatThrownBy(() -> verifierAt(NOW).verify(SignedEnvelope.parse(withoutSignature)))
                .isInstanceOf(VerificationException.class).hasMessage("event evt-1: missing signature");
        assertThatThrownBy(() -> verifierAt(NOW).verify(SignedEnvelope.parse(withoutNonce)))
                .isInstanceOf(VerificationException.class).hasMessage("event evt-1: missing nonce");
        assertThatThrownBy(() -> verifierAt(NOW).verify(SignedEnvelope.parse(withoutIssuedAt)))
                .isInstanceOf(VerificationException.class).hasMessage("event evt-1: missing issued_at");
    }

    @Test
    void previousKeyIsAcceptedOnlyBeforeTransitionExpires() throws Exception {
        SignedEnvelope byPrevious = envelope("previous-key");
        SigningKeys open = new SigningKeys(key("current"), key("previous"), NOW.plusSeconds(60));
        new EnvelopeVerifier(open, clockAt(NOW)).verify(byPrevious);

        SigningKeys expiresNow = new SigningKeys(key("current"), key("previous"), NOW);
        assertThat(rejection(new EnvelopeVerifier(expiresNow, clockAt(NOW)), byPrevious)).isEqualTo(Reason.BAD_SIGNATURE);

        SigningKeys noDeadline = new SigningKeys(key("current"), key("previous"), null);
        assertThat(rejection(new EnvelopeVerifier(noDeadline, clockAt(NOW)), byPrevious)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void aRotationVerifiedWithTheCurrentKeyInstallsTheNewKey() throws Exception {
        MutableClock now = new MutableClock(NOW);
        EnvelopeVerifier verifier = new EnvelopeVerifier(SigningKeys.of(key("current")), now);
        SignedEnvelope rotation = envelope("rotation");
        verifier.verify(rotation);
        verifier.setKeys(Json.MAPPER.readValue(rotation.payload(), SigningKeys.class));

        verifier.verify(envelope("other-key"));
        verifier.verify(envelope("basic"));           // the old key is the previous one until 10:40
        assertThat(verifier.keys().current()).isEqualTo(key("other"));
        now.set(Instant.parse("2025-01-15T10:34:00Z"));
        verifier.verify(envelope("html-escapes"));    // still before transition_expires
        now.set(Instant.parse("2025-01-15T10:34:01Z"));
        verifier.setKeys(new SigningKeys(key("other"), key("current"), Instant.parse("2025-01-15T10:34:01Z")));
        assertThat(rejection(verifier, envelope("unicode"))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void aMalformedKeyUpdateKeepsTheKeysInForce() throws Exception {
        EnvelopeVerifier verifier = verifierAt(NOW);
        assertThatThrownBy(() -> verifier.setKeys(new SigningKeys("c2hvcnQ=", null, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("signing_keys.current: must be 32 bytes, got 5");
        assertThatThrownBy(() -> verifier.setKeys(new SigningKeys(key("other"), "%%%", NOW.plusSeconds(60))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("signing_keys.previous: not valid base64");
        verifier.verify(envelope("basic"));
    }

    @Test
    void withoutKeysEverythingIsRejected() {
        EnvelopeVerifier verifier = new EnvelopeVerifier(null, clockAt(NOW));
        assertThat(verifier.keys()).isNull();
        assertThat(rejection(verifier, envelope("basic"))).isEqualTo(Reason.NO_KEY);
    }

    @Test
    void reasonLabelsAreStable() {
        assertThat(Reason.BAD_SIGNATURE.label()).isEqualTo("bad_signature");
        assertThat(new VerificationException("x").reason()).isEqualTo(Reason.OTHER);
    }
}
