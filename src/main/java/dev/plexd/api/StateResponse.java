package dev.plexd.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * The desired state of a node as served by {@code GET /v1/nodes/{id}/state}.
 *
 * @param peers       every peer of the mesh; policy decides which this node may see
 * @param policies    network policies
 * @param signingKeys event-signing keys, may be null
 * @param metadata    free-form string metadata
 * @param data        opaque node data the control plane attaches, kept as JSON
 * @param secretRefs  references to secrets, kept as JSON
 */
public record StateResponse(List<Peer> peers, List<Policy> policies, SigningKeys signingKeys,
                            Map<String, String> metadata, JsonNode data, JsonNode secretRefs) {

    public StateResponse {
        peers = peers == null ? List.of() : List.copyOf(peers);
        policies = policies == null ? List.of() : List.copyOf(policies);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public static StateResponse of(List<Peer> peers, List<Policy> policies) {
        return new StateResponse(peers, policies, null, Map.of(), null, null);
    }
}
