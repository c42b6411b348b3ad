package dev.plexd.policy;

import dev.plexd.api.EventHandler;
import dev.plexd.api.SignedEnvelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Reacts to {@code policy_updated} by asking for a reconcile. The payload is not read: the cycle
 * fetches the whole desired state, so a malformed payload cannot change what gets applied.
 */
public final class PolicyUpdatedHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(PolicyUpdatedHandler.class);

    private final ReconcileTrigger trigger;

    public PolicyUpdatedHandler(ReconcileTrigger trigger) {
        this.trigger = Objects.requireNonNull(trigger, "trigger");
    }

    @Override
    public void handle(SignedEnvelope event) {
        log.atInfo().addKeyValue("event_id", event.eventId()).log("policy updated; reconciling");
        trigger.triggerReconcile();
    }
}
