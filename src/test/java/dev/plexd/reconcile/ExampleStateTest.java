package dev.plexd.reconcile;

import dev.plexd.api.Peer;
import dev.plexd.api.StateResponse;
import dev.plexd.policy.PolicyEngine;
import dev.plexd.wireguard.PeerConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped example state file parses and means what its comments say. */
class ExampleStateTest {

    @Test
    void exampleStateIsValidAndIsolatesGamma() throws Exception {
        StateResponse state = FileStateSource.read(Path.of("config/state.example.yaml"));
        state.peers().forEach(PeerConfig::fromApi);
        PolicyEngine engine = new PolicyEngine();
        assertThat(engine.filterPeers(state.peers(), state.policies(), "alpha")).extracting(Peer::id).containsExactly("beta");
        assertThat(engine.filterPeers(state.peers(), state.policies(), "gamma")).extracting(Peer::id).containsExactly("beta");
        assertThat(engine.buildFirewallRules(state.policies(), "gamma", "plexd0", java.util.Map.of("beta", "10.100.0.2")))
                .hasSize(2);
    }
}
