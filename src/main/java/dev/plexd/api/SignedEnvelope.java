package dev.plexd.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * An event from the control plane. The payload is kept as the raw JSON text received, because the
 * signature covers its exact tokens (a number written {@code 1e3} must stay {@code 1e3}).
 *
 * @param payload raw JSON text, or null when absent or JSON {@code null}
 */
public record SignedEnvelope(String eventType, String eventId, Instant issuedAt, String nonce,
                             String payload, String signature) {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /**
     * Parses an envelope as sent on the event stream.
     *
     * @throws IllegalArgumentException when the text is not a JSON object, a field has the wrong
     *                                  type, or {@code event_type} / {@code event_id} is missing
     */
    public static SignedEnvelope parse(String json) {
        if (json == null) {
            throw new IllegalArgumentException("envelope: empty");
        }
        String eventType = null, eventId = null, nonce = null, payload = null, signature = null;
        Instant issuedAt = null;
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("envelope: not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "event_type" -> eventType = text(p, field);
                    case "event_id" -> eventId = text(p, field);
                    case "nonce" -> nonce = text(p, field);
                    case "signature" -> signature = text(p, field);
                    case "issued_at" -> issuedAt = timestamp(text(p, field));
                    case "payload" -> payload = rawValue(p, json, value);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("envelope: trailing content after the JSON object");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("envelope: malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("envelope: unreadable: " + e.getMessage(), e);
        }
        if (eventType == null || eventType.isEmpty()) {
            throw new IllegalArgumentException("envelope: missing event_type");
        }
        if (eventId == null || eventId.isEmpty()) {
            throw new IllegalArgumentException("envelope: missing event_id");
        }
        return new SignedEnvelope(eventType, eventId, issuedAt, nonce, payload, signature);
    }

    private static String text(JsonParser p, String field) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("envelope: " + field + " must be a string");
        };
    }

    private static Instant timestamp(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("envelope: issued_at is not RFC 3339: \"" + text + "\"", e);
        }
    }

    /** The exact source text of the current value: the parser reads from a String, so offsets are chars. */
    private static String rawValue(JsonParser p, String source, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        int start = (int) p.currentTokenLocation().getCharOffset();
        p.skipChildren();
        // String values are read lazily; the end offset is right only once the token is complete.
        p.finishToken();
        int end = (int) p.currentLocation().getCharOffset();
        return source.substring(start, end);
    }
}
