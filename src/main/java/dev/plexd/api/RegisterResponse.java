package dev.plexd.api;

import java.util.List;

/**
 * The answer to a successful registration.
 *
 * @param nodeId           the ID the control plane gave the node
 * @param meshIp           the node's address inside the mesh
 * @param signingPublicKey base64 raw Ed25519 key that signs events
 * @param nodeSecretKey    the node's bearer credential from now on (a secret)
 * @param peers            the mesh's peers at registration time
 */
public record RegisterResponse(String nodeId, String meshIp, String signingPublicKey, String nodeSecretKey,
                               List<Peer> peers) {

    public RegisterResponse {
        peers = peers == null ? List.of() : List.copyOf(peers);
    }

    /** Keeps the node secret out of logs and exception messages. */
    @Override
    public String toString() {
        return "RegisterResponse[nodeId=" + nodeId + ", meshIp=" + meshIp + ", signingPublicKey=" + signingPublicKey
                + ", nodeSecretKey=<redacted>, peers=" + peers.size() + "]";
    }
}
