package dev.plexd.daemon.api;

import java.util.List;

/**
 * One entry of {@code GET /v1/peers}. Never carries the preshared key.
 *
 * @param allowed    policy lets this node see the peer
 * @param configured the peer is configured in WireGuard
 */
public record PeerStatus(String id, String meshIp, String endpoint, String publicKey, List<String> allowedIps,
                         boolean allowed, boolean configured) {
}
