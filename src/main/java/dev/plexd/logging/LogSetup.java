package dev.plexd.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Chooses the log format, level and stream at start and changes the level at runtime. The
 * appender itself is built by {@link LogbackConfigurator}; this sets the properties it reads.
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
        context.reset();
        LogbackConfigurator.apply(context);
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
