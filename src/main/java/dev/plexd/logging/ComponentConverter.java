package dev.plexd.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** {@code %component} for the text log format. */
public final class ComponentConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        String fromMdc = event.getMDCPropertyMap().get("component");
        return fromMdc != null ? fromMdc : Components.of(event.getLoggerName());
    }
}
