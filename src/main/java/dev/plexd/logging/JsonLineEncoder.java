package dev.plexd.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.event.KeyValuePair;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line for operators and log shippers:
 * {@code {"ts":…,"level":…,"component":…,"logger":…,"thread":…,"msg":…, <fields>, "error":…}}.
 * Structured fields come from SLF4J key-value pairs and the MDC, as top-level keys.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            json.writeStringField("level", event.getLevel().toString());
            Map<String, String> mdc = event.getMDCPropertyMap();
            json.writeStringField("component", mdc.getOrDefault("component", Components.of(event.getLoggerName())));
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("msg", event.getFormattedMessage());
            for (Map.Entry<String, String> entry : mdc.entrySet()) {
                if (!entry.getKey().equals("component")) {
                    json.writeStringField(entry.getKey(), entry.getValue());
                }
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    writeValue(json, pair.key, pair.value);
                }
            }
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                json.writeStringField("error", error.getClassName() + ": " + error.getMessage());
                json.writeStringField("stack", ThrowableProxyUtil.asString(error));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator json, String key, Object value) throws IOException {
        json.writeFieldName(key);
        switch (value) {
            case null -> json.writeNull();
            case Integer i -> json.writeNumber(i);
            case Long l -> json.writeNumber(l);
            case Double d -> json.writeNumber(d);
            case Float f -> json.writeNumber(f);
            case Boolean b -> json.writeBoolean(b);
            default -> json.writeString(String.valueOf(value));
        }
    }
}
