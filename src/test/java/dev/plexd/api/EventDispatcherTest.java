package dev.plexd.api;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventDispatcherTest {

    private static SignedEnvelope event(String type) {
        return new SignedEnvelope(type, "e-" + type, Instant.now(), "n", null, "s");
    }

    @Test
    void routesByEventTypeInRegistrationOrder() {
        EventDispatcher dispatcher = new EventDispatcher();
        List<String> calls = new ArrayList<>();
        dispatcher.register(EventTypes.POLICY_UPDATED, e -> calls.add("first " + e.eventType()));
        dispatcher.register(EventTypes.POLICY_UPDATED, e -> calls.add("second " + e.eventType()));
        dispatcher.register(EventTypes.PEER_ADDED, e -> calls.add("peer " + e.eventType()));

        dispatcher.dispatch(event(EventTypes.POLICY_UPDATED));
        assertThat(calls).containsExactly("first policy_updated", "second policy_updated");
    }

    @Test
    void oneFailingHandlerDoesNotStopTheNext() {
        EventDispatcher dispatcher = new EventDispatcher();
        List<String> calls = new ArrayList<>();
        dispatcher.register("t", e -> {
            throw new IllegalStateException("boom");
        });
        dispatcher.register("t", e -> calls.add("ran"));
        dispatcher.dispatch(event("t"));
        assertThat(calls).containsExactly("ran");
    }

    @Test
    void unknownEventTypesAreIgnored() {
        EventDispatcher dispatcher = new EventDispatcher();
        List<String> calls = new ArrayList<>();
        dispatcher.register("t", e -> calls.add("ran"));
        dispatcher.dispatch(event("something_new"));
        assertThat(calls).isEmpty();
    }
}
