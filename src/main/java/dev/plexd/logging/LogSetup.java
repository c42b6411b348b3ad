package dev.plexd.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.util.Locale;

/**
 * Chooses the log format, level and stream at start and changes the level at runtime. The
 * appenders themselves live in {@code logback.xml}; this only sets the properties it reads.
 */
public final class LogSetup {

    public enum Format { JSON, TEXT }

    public enum Target { STDOUT, STDERR }

    private LogSetup() {
    }

    public static void configure(Format format, String level, Target target) {
        setLevelProperty(level);
        System.setProperty("plexd.log.format", format.name().toLowerCase(Locale.ROOT));
        System.setProperty("plexd.log.target", target == Target.STDERR ? "System.err" : "System.out");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL config = LogSetup.class.getResource("/logback.xml");
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("logging: cannot apply logback.xml", e);
        }
    }

    /** Changes the level of plexd's loggers (or of one logger) while running. */
    public static void setLevel(String loggerName, String level) {
        Level parsed = parseLevel(level);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger logger = context.getLogger(loggerName == null || loggerName.isEmpty() ? Logger.ROOT_LOGGER_NAME : loggerName);
        logger.setLevel(parsed);
    }

    public static String rootLevel() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        return context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel().toString();
    }

    private static void setLevelProperty(String level) {
        System.setProperty("plexd.log.level", parseLevel(level).toString());
    }

    private static Level parseLevel(String level) {
        String normalized = level == null ? "" : level.trim().toUpperCase(Locale.ROOT);
        return switch (normalized) {
            case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF" -> Level.toLevel(normalized);
            default -> throw new IllegalArgumentException(
                    "log level must be one of trace, debug, info, warn, error, off; got \"" + level + "\"");
        };
    }
}
