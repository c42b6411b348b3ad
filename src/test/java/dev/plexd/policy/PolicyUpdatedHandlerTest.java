package dev.plexd.policy;

import dev.plexd.api.SignedEnvelope;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyUpdatedHandlerTest {

    private final AtomicInteger triggers = new AtomicInteger();
    private final PolicyUpdatedHandler handler = new PolicyUpdatedHandler(triggers::incrementAndGet);

    @Test
    void validPayloadTriggersOneReconcile() {
        handler.handle(new SignedEnvelope("policy_updated", "e1", Instant.now(), "n1", "{\"policy_id\":\"p1\"}", "sig"));
        assertThat(triggers).hasValue(1);
    }

    @Test
    void malformedPayloadStillTriggersOneReconcile() {
        handler.handle(new SignedEnvelope("policy_updated", "e2", Instant.now(), "n2", "{not json", "sig"));
        assertThat(triggers).hasValue(1);
    }
}
