package dev.plexd.api;

import java.util.Map;

/**
 * The body of {@code POST /v1/register}.
 *
 * @param token     the bootstrap token (also sent as the bearer)
 * @param publicKey the node's base64 WireGuard public key
 * @param hostname  the node's name; a control plane may use it as the node ID
 * @param metadata  optional free-form labels
 */
public record RegisterRequest(String token, String publicKey, String hostname, Map<String, String> metadata) {

    public RegisterRequest {
        metadata = metadata == null || metadata.isEmpty() ? null : Map.copyOf(metadata);
    }

    /** Keeps the bootstrap token out of logs and exception messages. */
    @Override
    public String toString() {
        return "RegisterRequest[token=<redacted>, publicKey=" + publicKey + ", hostname=" + hostname
                + ", metadata=" + metadata + "]";
    }
}
