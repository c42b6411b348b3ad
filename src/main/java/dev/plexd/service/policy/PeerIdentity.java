package dev.plexd.service.policy;

import java.util.List;

/**
 * Who a peer is, as far as policy files can name it.
 *
 * @param nodeId    the control plane's node ID, or null when unknown (a slot bound to a key the
 *                  control plane has not described)
 * @param publicKey standard base64 WireGuard key, or null when unknown (the CLI given a node ID)
 * @param orgs      orgs the control plane marks the peer with (member files add more)
 */
public record PeerIdentity(String nodeId, String publicKey, List<String> orgs) {

    public PeerIdentity {
        publicKey = publicKey == null ? null : Names.canonicalKey(publicKey);
        orgs = orgs == null ? List.of() : List.copyOf(orgs);
    }

    /** Whether {@code name} is this peer's node ID or its key in any accepted form. */
    public boolean isNamed(String name) {
        if (name.equals(nodeId)) {
            return true;
        }
        return publicKey != null && publicKey.equals(Names.canonicalKey(name));
    }

    /** A short label for logs and output: the node ID, else the key. */
    public String label() {
        return nodeId != null ? nodeId : publicKey != null ? publicKey : "?";
    }
}
