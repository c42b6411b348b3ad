package dev.plexd.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Logback's configuration, in code: one console appender on the root logger, JSON lines
 * ({@link JsonLineEncoder}) or text for humans. Logback finds this class through
 * {@code META-INF/services} at its first use; configuring in code spares every plexd process the
 * XML configurator's parser and model at start (about 100 ms of a cold JVM).
 *
 * <p>The defaults come from the system properties {@code plexd.log.format} ({@code json} or
 * {@code text}), {@code plexd.log.level} and {@code plexd.log.target} ({@code System.out} or
 * {@code System.err}); {@link LogSetup} sets them and applies them again.
 */
public final class LogbackConfigurator extends ContextAwareBase implements Configurator {

    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %-10component %msg %kvp{NONE}%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        apply(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Replaces the context's configuration with the one the system properties describe. */
    static void apply(LoggerContext context) {
        // Logback's own status lines must not reach stdout, where they would break the JSON lines.
        context.getStatusManager().add(new NopStatusListener());
        String format = System.getProperty("plexd.log.format", "json");
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(format);
        appender.setTarget(System.getProperty("plexd.log.target", "System.out"));
        appender.setEncoder(encoder(context, format));
        appender.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty("plexd.log.level"), Level.INFO));
        root.addAppender(appender);
        context.getLogger("okhttp3").setLevel(Level.WARN);
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
        Encoder<ILoggingEvent> encoder;
        if ("text".equals(format)) {
            @SuppressWarnings("unchecked")
            var rules = (Map<String, Supplier<DynamicConverter<?>>>) context.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
            if (rules == null) {
                rules = new HashMap<>();
                context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
            }
            rules.put("component", ComponentConverter::new);
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        } else {
            encoder = new JsonLineEncoder();
        }
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }
}
