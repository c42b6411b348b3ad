package dev.plexd.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Routes verified events to the handlers registered for their {@code event_type}. A handler's
 * failure is logged and does not stop the handlers after it.
 */
public final class EventDispatcher {

    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

    private final Map<String, List<EventHandler>> handlers = new ConcurrentHashMap<>();

    public void register(String eventType, EventHandler handler) {
        handlers.computeIfAbsent(eventType, t -> new CopyOnWriteArrayList<>()).add(handler);
    }

    public void dispatch(SignedEnvelope event) {
        List<EventHandler> registered = handlers.getOrDefault(event.eventType(), List.of());
        if (registered.isEmpty()) {
            log.atDebug().addKeyValue("event_id", event.eventId()).addKeyValue("event_type", event.eventType())
                    .log("no handler for event type");
            return;
        }
        for (EventHandler handler : registered) {
            try {
                handler.handle(event);
            } catch (Exception e) {
                log.atWarn().addKeyValue("event_id", event.eventId()).addKeyValue("event_type", event.eventType())
                        .setCause(e).log("event handler failed");
            }
        }
    }
}
