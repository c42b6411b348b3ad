package dev.plexd.service;

import dev.plexd.service.policy.Limits;
import dev.plexd.service.policy.Names;
import dev.plexd.service.policy.PeerIdentity;
import dev.plexd.service.policy.PolicyError;
import dev.plexd.service.policy.PolicyException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The peers the control plane describes, indexed by public key so a slot bound to a key finds its
 * node ID and orgs. Entries that cannot identify a peer are left out and reported in
 * {@link #warnings()} (the data plane cannot configure such a peer either); a slot whose key is not
 * here is still known by its key.
 */
public final class PeerDirectory {

    public static final PeerDirectory EMPTY = new PeerDirectory(List.of(), List.of());

    private final List<MeshPeer> peers;
    private final Map<String, MeshPeer> byKey = new HashMap<>();
    private final List<String> warnings;

    private PeerDirectory(List<MeshPeer> peers, List<String> warnings) {
        this.peers = List.copyOf(peers);
        this.warnings = List.copyOf(warnings);
        for (MeshPeer peer : peers) {
            byKey.put(Names.canonicalKey(peer.publicKey()), peer);
        }
    }

    /**
     * @throws PolicyException when there are more than {@link Limits#MAX_PEERS} peers
     */
    public static PeerDirectory of(Collection<MeshPeer> input) throws PolicyException {
        if (input.size() > Limits.MAX_PEERS) {
            throw new PolicyException(new PolicyError("peer directory", 0, "too many peers, at most " + Limits.MAX_PEERS,
                    Integer.toString(input.size())));
        }
        List<MeshPeer> sorted = new ArrayList<>(input);
        sorted.sort(Comparator.comparing(MeshPeer::nodeId, Comparator.nullsFirst(Comparator.naturalOrder())));
        List<MeshPeer> kept = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> keyOwner = new HashMap<>();
        for (MeshPeer peer : sorted) {
            String key = Names.canonicalKey(peer.publicKey());
            if (peer.nodeId() == null || peer.nodeId().isBlank()) {
                warnings.add("peer directory: peer without a node ID ignored (key " + peer.publicKey() + ")");
            } else if (key == null) {
                warnings.add("peer directory: node " + peer.nodeId() + " ignored: public key is not 32 bytes of base64");
            } else if (keyOwner.containsKey(key)) {
                warnings.add("peer directory: node " + peer.nodeId() + " ignored: its public key belongs to node "
                        + keyOwner.get(key));
            } else {
                keyOwner.put(key, peer.nodeId());
                kept.add(peer);
            }
        }
        return new PeerDirectory(kept, warnings);
    }

    public List<MeshPeer> peers() {
        return peers;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** The identity of the peer holding {@code publicKey}: from the directory, else by key alone. */
    public PeerIdentity identify(String publicKey) {
        MeshPeer peer = byKey.get(Names.canonicalKey(publicKey));
        return peer == null ? new PeerIdentity(null, publicKey, List.of()) : identity(peer);
    }

    public static PeerIdentity identity(MeshPeer peer) {
        return new PeerIdentity(peer.nodeId(), peer.publicKey(), peer.orgs());
    }
}
