package dev.plexd.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Reads the openssl-made vectors under {@code src/test/resources/envelopes} (see their README). */
public final class EnvelopeVectors {

    /** A minute after the vectors were issued: every vector is fresh at this instant. */
    public static final Instant NOW = Instant.parse("2025-01-15T10:31:00Z");

    private EnvelopeVectors() {
    }

    public static byte[] bytes(String path) {
        try (InputStream in = EnvelopeVectors.class.getResourceAsStream("/envelopes/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource envelopes/" + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String path) {
        return new String(bytes(path), StandardCharsets.UTF_8).strip();
    }

    public static String envelopeJson(String vector) {
        return text(vector + "/envelope.json");
    }

    public static SignedEnvelope envelope(String vector) {
        return SignedEnvelope.parse(envelopeJson(vector));
    }

    public static String key(String name) {
        return text("keys/" + name + ".pub");
    }

    public static Clock clockAt(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }
}
