package dev.plexd.api.client;

import dev.plexd.api.EnvelopeVerifier;
import dev.plexd.api.EventDispatcher;
import dev.plexd.api.EventTypes;
import dev.plexd.api.Json;
import dev.plexd.api.SigningKeys;
import dev.plexd.policy.PolicyUpdatedHandler;
import dev.plexd.policy.ReconcileTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the control plane's events to what they cause. Peer events and {@code policy_updated} only
 * trigger a reconcile: the cycle fetches the whole state and applies it through policy filtering,
 * so no event ever adds a peer to WireGuard directly. {@code signing_key_rotated} (verified with
 * the keys in force, like every event) installs the keys it carries.
 */
public final class EventHandlers {

    private static final Logger log = LoggerFactory.getLogger(EventHandlers.class);

    private EventHandlers() {
    }

    public static void register(EventDispatcher dispatcher, ReconcileTrigger trigger, EnvelopeVerifier verifier) {
        dispatcher.register(EventTypes.POLICY_UPDATED, new PolicyUpdatedHandler(trigger));
        for (String type : EventTypes.PEER_EVENTS) {
            dispatcher.register(type, event -> {
                log.atInfo().addKeyValue("event_id", event.eventId()).addKeyValue("event_type", event.eventType())
                        .log("peer changed; reconciling");
                trigger.triggerReconcile();
            });
        }
        dispatcher.register(EventTypes.SIGNING_KEY_ROTATED, event -> {
            SigningKeys keys = event.payload() == null ? null : Json.MAPPER.readValue(event.payload(), SigningKeys.class);
            if (keys == null || !keys.hasCurrent()) {
                throw new IllegalArgumentException("signing_key_rotated " + event.eventId() + ": payload has no current key");
            }
            verifier.setKeys(keys);
            log.atInfo().addKeyValue("event_id", event.eventId()).addKeyValue("current", keys.current())
                    .addKeyValue("transition_expires", keys.transitionExpires()).log("signing keys rotated");
        });
    }
}
