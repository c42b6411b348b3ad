package dev.plexd.service;

import dev.plexd.api.Peer;

import java.util.List;

/**
 * A mesh peer as the daemon knows it from the control plane: the input that lets policy files
 * name peers by node ID and lets kernel mode key rules by mesh IP.
 *
 * @param nodeId    the control plane's node ID
 * @param publicKey base64 WireGuard public key (standard alphabet)
 * @param meshIp    the peer's address inside the mesh (source of its inbound packets), may be null
 * @param orgs      orgs the control plane marks the peer with, empty when it marks none
 */
public record MeshPeer(String nodeId, String publicKey, String meshIp, List<String> orgs) {

    public MeshPeer {
        orgs = orgs == null ? List.of() : List.copyOf(orgs);
    }

    /** The control plane's peer record, with no orgs (the current API carries none). */
    public static MeshPeer of(Peer peer) {
        return new MeshPeer(peer.id(), peer.publicKey(), peer.meshIp(), List.of());
    }
}
