package dev.plexd.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.api.Json;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLineEncoderTest {

    private final LoggerContext context = new LoggerContext();

    private JsonNode encode(String loggerName, String message, Throwable error, KeyValuePair... pairs) throws Exception {
        Logger logger = context.getLogger(loggerName);
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, error, null);
        for (KeyValuePair pair : pairs) {
            event.addKeyValuePair(pair);
        }
        event.setMDCPropertyMap(Map.of("node_id", "alpha"));
        byte[] line = new JsonLineEncoder().encode(event);
        String text = new String(line, StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n").doesNotContain("\n{");
        assertThat(text.strip()).doesNotContain("\n");
        return Json.MAPPER.readTree(text);
    }

    @Test
    void writesOneObjectPerLineWithComponentAndFields() throws Exception {
        JsonNode json = encode("dev.plexd.reconcile.Reconciler", "reconcile cycle", null,
                new KeyValuePair("duration_ms", 12L), new KeyValuePair("peer_id", "node-b"), new KeyValuePair("ok", true));
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("component").asText()).isEqualTo("reconcile");
        assertThat(json.get("msg").asText()).isEqualTo("reconcile cycle");
        assertThat(json.get("duration_ms").isNumber()).isTrue();
        assertThat(json.get("peer_id").asText()).isEqualTo("node-b");
        assertThat(json.get("ok").asBoolean()).isTrue();
        assertThat(json.get("node_id").asText()).isEqualTo("alpha");
        assertThat(json.get("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }

    @Test
    void errorsAreFlattenedIntoFields() throws Exception {
        JsonNode json = encode("dev.plexd.policy.Enforcer", "apply failed", new IllegalStateException("nft said\nno"));
        assertThat(json.get("error").asText()).isEqualTo("java.lang.IllegalStateException: nft said\nno");
        assertThat(json.get("stack").asText()).contains("IllegalStateException");
    }

    @Test
    void componentComesFromThePackage() {
        assertThat(Components.of("dev.plexd.firewall.NftablesFirewall")).isEqualTo("firewall");
        assertThat(Components.of("dev.plexd.api.client.EventStream")).isEqualTo("api");
        assertThat(Components.of("dev.plexd.Main")).isEqualTo("plexd");
        assertThat(Components.of("okhttp3.internal.sse.RealEventSource")).isEqualTo("okhttp3");
        assertThat(Components.of("")).isEqualTo("plexd");
    }
}
