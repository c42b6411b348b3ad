package dev.plexd.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The control plane's JSON, written by hand in its format, maps onto the records and back. */
class WireFormatTest {

    private static String resource(String name) throws Exception {
        try (InputStream in = WireFormatTest.class.getResourceAsStream("/api/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void stateResponseReadsEveryFieldAndIgnoresUnknownOnes() throws Exception {
        StateResponse state = Json.MAPPER.readValue(resource("state-response.json"), StateResponse.class);

        assertThat(state.peers()).hasSize(2);
        Peer b = state.peers().getFirst();
        assertThat(b).isEqualTo(new Peer("node-b", "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", "10.100.0.3",
                "198.51.100.7:51820", List.of("10.100.0.3/32", "fd00:64::3/128"), "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="));
        assertThat(state.peers().get(1).psk()).isEmpty();

        assertThat(state.policies()).containsExactly(new Policy("pol-ssh", List.of(
                new PolicyRule("node-b", "node-a", 22, "tcp", "allow"),
                new PolicyRule("*", "node-a", 0, "", "deny"))));

        assertThat(state.signingKeys()).isEqualTo(new SigningKeys("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                "Pj1zzw1nLXOw4Ejj2NZe4SFB7OQTwNDpROXs5zRv7dQ=", Instant.parse("2025-01-15T11:00:00Z")));
        assertThat(state.metadata()).isEqualTo(Map.of("region", "eu-west", "tier", "edge"));
        assertThat(state.data().get(0).get("key").asText()).isEqualTo("motd");
        assertThat(state.secretRefs().get(0).get("version").asInt()).isEqualTo(3);
    }

    @Test
    void stateResponseRoundTripsThroughTheWireNames() throws Exception {
        StateResponse state = Json.MAPPER.readValue(resource("state-response.json"), StateResponse.class);
        String written = Json.MAPPER.writeValueAsString(state);
        JsonNode tree = Json.MAPPER.readTree(written);

        assertThat(tree.get("peers").get(0).has("public_key")).isTrue();
        assertThat(tree.get("peers").get(0).has("mesh_ip")).isTrue();
        assertThat(tree.get("peers").get(0).has("allowed_ips")).isTrue();
        assertThat(tree.get("signing_keys").get("transition_expires").asText()).isEqualTo("2025-01-15T11:00:00Z");
        assertThat(tree.has("secret_refs")).isTrue();
        assertThat(Json.MAPPER.readValue(written, StateResponse.class)).isEqualTo(state);
    }

    @Test
    void missingListsReadAsEmpty() throws Exception {
        StateResponse state = Json.MAPPER.readValue("{}", StateResponse.class);
        assertThat(state.peers()).isEmpty();
        assertThat(state.policies()).isEmpty();
        assertThat(state.metadata()).isEmpty();
        assertThat(state.signingKeys()).isNull();
        Peer peer = Json.MAPPER.readValue("{\"id\":\"x\"}", Peer.class);
        assertThat(peer.allowedIps()).isEmpty();
    }

    @Test
    void yamlStateFilesUseTheSameNames() throws Exception {
        String yaml = """
                peers:
                  - id: node-b
                    public_key: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
                    mesh_ip: 10.100.0.3
                    allowed_ips: [10.100.0.3/32]
                policies:
                  - id: p
                    rules:
                      - {src: node-a, dst: node-b, port: 443, protocol: tcp, action: allow}
                """;
        StateResponse state = Json.YAML.readValue(yaml, StateResponse.class);
        assertThat(state.peers().getFirst().meshIp()).isEqualTo("10.100.0.3");
        assertThat(state.policies().getFirst().rules().getFirst().port()).isEqualTo(443);
    }

    @Test
    void stateResponseOfLeavesOtherFieldsEmpty() {
        StateResponse state = StateResponse.of(List.of(), List.of());
        assertThat(state.signingKeys()).isNull();
        assertThat(state.metadata()).isEmpty();
    }

    @Test
    void peerToStringNeverShowsThePsk() {
        Peer peer = new Peer("a", "k", "10.100.0.2", "", List.of(), "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=");
        assertThat(peer.toString()).doesNotContain("FpCyhws9").contains("<redacted>");
    }
}
