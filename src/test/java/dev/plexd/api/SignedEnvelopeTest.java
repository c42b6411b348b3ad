package dev.plexd.api;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignedEnvelopeTest {

    @Test
    void parsesEveryFieldAndKeepsThePayloadTextExactly() {
        String payload = "{ \"n\": 1e3, \"f\": 1.0, \"s\": \"a<b\",\n  \"nested\": {\"x\": [1, 2]} }";
        String json = "{\"event_type\":\"policy_updated\",\"event_id\":\"evt-1\",\"issued_at\":\"2025-01-15T10:30:00.5Z\","
                + "\"nonce\":\"n-1\",\"payload\":" + payload + ",\"signature\":\"c2ln\",\"extra\":{\"ignored\":true}}";
        SignedEnvelope envelope = SignedEnvelope.parse(json);

        assertThat(envelope.eventType()).isEqualTo("policy_updated");
        assertThat(envelope.eventId()).isEqualTo("evt-1");
        assertThat(envelope.issuedAt()).isEqualTo(Instant.parse("2025-01-15T10:30:00.500Z"));
        assertThat(envelope.nonce()).isEqualTo("n-1");
        assertThat(envelope.payload()).isEqualTo(payload);
        assertThat(envelope.signature()).isEqualTo("c2ln");
    }

    @Test
    void scalarAndStringPayloadsAreKeptRaw() {
        assertThat(SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\",\"payload\":\"x\\u0026y\"}").payload())
                .isEqualTo("\"x\\u0026y\"");
        assertThat(SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\",\"payload\":-12.50e+2}").payload())
                .isEqualTo("-12.50e+2");
    }

    @Test
    void absentOrNullPayloadIsNull() {
        assertThat(SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\"}").payload()).isNull();
        assertThat(SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\",\"payload\":null}").payload()).isNull();
    }

    @Test
    void offsetTimestampsAreAccepted() {
        assertThat(SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\",\"issued_at\":\"2025-01-15T12:30:00+02:00\"}")
                .issuedAt()).isEqualTo(Instant.parse("2025-01-15T10:30:00Z"));
    }

    @Test
    void missingEventTypeIsRejected() {
        assertThatThrownBy(() -> SignedEnvelope.parse("{\"event_id\":\"e\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("envelope: missing event_type");
    }

    @Test
    void missingEventIdIsRejected() {
        assertThatThrownBy(() -> SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("envelope: missing event_id");
    }

    @Test
    void malformedJsonIsRejected() {
        assertThatThrownBy(() -> SignedEnvelope.parse("{\"event_type\":\"t\","))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("envelope: malformed JSON");
        assertThatThrownBy(() -> SignedEnvelope.parse("[1]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("envelope: not a JSON object");
        assertThatThrownBy(() -> SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\"} {}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> SignedEnvelope.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wrongFieldTypesAreRejected() {
        assertThatThrownBy(() -> SignedEnvelope.parse("{\"event_type\":5,\"event_id\":\"e\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("envelope: event_type must be a string");
        assertThatThrownBy(() -> SignedEnvelope.parse("{\"event_type\":\"t\",\"event_id\":\"e\",\"issued_at\":\"yesterday\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("issued_at is not RFC 3339");
    }
}
