package dev.plexd.api;

import java.util.List;

/**
 * A mesh peer as the control plane describes it.
 *
 * @param id         node ID
 * @param publicKey  base64 WireGuard public key (32 bytes)
 * @param meshIp     the peer's address inside the mesh
 * @param endpoint   {@code host:port} where the peer listens, may be empty
 * @param allowedIps CIDRs routed to this peer
 * @param psk        base64 preshared key, may be empty
 */
public record Peer(String id, String publicKey, String meshIp, String endpoint,
                   List<String> allowedIps, String psk) {

    public Peer {
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
    }

    /** Keeps the preshared key out of logs and exception messages. */
    @Override
    public String toString() {
        return "Peer[id=" + id + ", publicKey=" + publicKey + ", meshIp=" + meshIp + ", endpoint=" + endpoint
                + ", allowedIps=" + allowedIps + ", psk=" + (psk == null || psk.isEmpty() ? "none" : "<redacted>") + "]";
    }
}
