package dev.plexd.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.api.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator reads on the console: Logback configured the way a plexd process configures it
 * (service-loaded {@link LogbackConfigurator}, found by Logback's own auto-configuration), with
 * stdout and stderr captured. The console appender writes to whatever {@code System.out} is at
 * each write, so swapping it in-process sees exactly the bytes a process would print.
 */
class LogbackConfiguratorTest {

    private static final List<String> PROPERTIES = List.of("plexd.log.format", "plexd.log.level", "plexd.log.target");

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final String[] savedProperties = new String[PROPERTIES.size()];
    private PrintStream savedOut;
    private PrintStream savedErr;
    private LoggerContext context;

    @BeforeEach
    void captureConsole() {
        for (int i = 0; i < PROPERTIES.size(); i++) {
            savedProperties[i] = System.clearProperty(PROPERTIES.get(i));
        }
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreConsole() {
        if (context != null) {
            context.stop();
        }
        System.setOut(savedOut);
        System.setErr(savedErr);
        for (int i = 0; i < PROPERTIES.size(); i++) {
            if (savedProperties[i] == null) {
                System.clearProperty(PROPERTIES.get(i));
            } else {
                System.setProperty(PROPERTIES.get(i), savedProperties[i]);
            }
        }
    }

    /** A fresh Logback context set up as Logback's SLF4J provider does at a process's first log call. */
    private LoggerContext autoConfigured() throws Exception {
        context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        new ContextInitializer(context).autoConfig();
        return context;
    }

    /** Logs from four components: three plexd packages and a library. */
    private static void logSamples(LoggerContext context) {
        Logger firewall = context.getLogger("dev.plexd.firewall.NftablesFirewall");
        firewall.atWarn().addKeyValue("chain", "plexd-mesh").addKeyValue("rules", 3).log("rules applied\nwith a second line");
        context.getLogger("dev.plexd.reconcile.Reconciler").info("reconcile cycle");
        context.getLogger("dev.plexd.Main").error("start failed", new IllegalStateException("boom"));
        context.getLogger("okhttp3.OkHttpClient").warn("connection leaked");
        context.getLogger("dev.plexd.policy.PolicyEngine").debug("below the default level");
    }

    private String stdoutText() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theConfiguratorIsRegisteredAsALogbackService() {
        assertThat(ServiceLoader.load(Configurator.class)).hasAtLeastOneElementOfType(LogbackConfigurator.class);
    }

    @Test
    void byDefaultEveryLineOnStdoutIsOneJsonObjectWithItsComponent() throws Exception {
        logSamples(autoConfigured());

        String text = stdoutText();
        assertThat(text).endsWith("\n");
        List<String> lines = text.lines().toList();
        assertThat(lines).as("one line per event at INFO and above:%n%s", text).hasSize(4);
        List<JsonNode> events = lines.stream().map(LogbackConfiguratorTest::parse).toList();
        assertThat(events).allSatisfy(event -> {
            assertThat(event.isObject()).isTrue();
            assertThat(event.path("component").asText()).isNotBlank();
        });
        assertThat(events).extracting(e -> e.get("component").asText())
                .containsExactly("firewall", "reconcile", "plexd", "okhttp3");
        assertThat(events.getFirst().get("msg").asText()).isEqualTo("rules applied\nwith a second line");
        assertThat(events.getFirst().get("chain").asText()).isEqualTo("plexd-mesh");
        assertThat(events.get(2).get("error").asText()).contains("boom");
        assertThat(stderr.toString(StandardCharsets.UTF_8)).as("nothing on stderr").isEmpty();
    }

    @Test
    void textFormatPrintsLevelComponentMessageAndFields() throws Exception {
        System.setProperty("plexd.log.format", "text");
        logSamples(autoConfigured());

        // Each event starts a line with its timestamp; continuation lines (a multi-line message, a
        // stack trace) follow it.
        List<String> lines = stdoutText().lines().filter(line -> line.matches("\\d{4}-\\d\\d-\\d\\dT\\S+ .*")).toList();
        assertThat(lines).as(stdoutText()).hasSize(4);
        assertThat(lines.get(0)).endsWith(" WARN  firewall   rules applied");
        assertThat(stdoutText()).contains("\nwith a second line chain=plexd-mesh rules=3\n")
                .contains("\njava.lang.IllegalStateException: boom\n")
                .doesNotContain("{\"");
        assertThat(lines.get(1)).endsWith(" INFO  reconcile  reconcile cycle ");
        assertThat(lines.get(2)).endsWith(" ERROR plexd      start failed ");
        assertThat(lines.get(3)).endsWith(" WARN  okhttp3    connection leaked ");
    }

    @Test
    void levelAndTargetComeFromTheProperties() throws Exception {
        System.setProperty("plexd.log.level", "debug");
        System.setProperty("plexd.log.target", "System.err");
        logSamples(autoConfigured());

        assertThat(stdoutText()).isEmpty();
        List<JsonNode> events = stderr.toString(StandardCharsets.UTF_8).lines().map(LogbackConfiguratorTest::parse).toList();
        assertThat(events).extracting(e -> e.get("component").asText())
                .containsExactly("firewall", "reconcile", "plexd", "okhttp3", "policy");
    }

    private static JsonNode parse(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON object: " + line, e);
        }
    }
}
