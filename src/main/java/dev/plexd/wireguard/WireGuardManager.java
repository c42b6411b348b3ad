package dev.plexd.wireguard;

import dev.plexd.api.Peer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the peers of one WireGuard interface, indexed by node ID, in step with the data plane.
 * The index changes only after the controller succeeded, so it always describes the interface.
 */
public final class WireGuardManager {

    private static final Logger log = LoggerFactory.getLogger(WireGuardManager.class);

    private final WireGuardController controller;
    private final String interfaceName;
    private final Map<String, byte[]> publicKeysById = new LinkedHashMap<>();

    public WireGuardManager(WireGuardController controller, String interfaceName) {
        this.controller = Objects.requireNonNull(controller, "controller");
        this.interfaceName = Objects.requireNonNull(interfaceName, "interfaceName");
    }

    /**
     * Adds the peer, or replaces its configuration when it is already present. A rotated key is
     * removed before the new one is added: if the add then fails the peer is absent (fail closed)
     * and the next attempt starts clean.
     */
    public synchronized void addPeer(Peer peer) throws IOException {
        PeerConfig config = toConfig(peer);
        byte[] previousKey = publicKeysById.get(peer.id());
        if (previousKey != null && !Arrays.equals(previousKey, config.publicKey())) {
            removePeerById(peer.id());
        }
        controller.addPeer(interfaceName, config);
        publicKeysById.put(peer.id(), config.publicKey());
        log.atDebug().addKeyValue("peer_id", peer.id()).addKeyValue("interface", interfaceName).log("peer configured");
    }

    /** Same as {@link #addPeer}: a rotated key replaces the old one. */
    public void updatePeer(Peer peer) throws IOException {
        addPeer(peer);
    }

    /** @throws IOException when no peer with this ID is configured */
    public synchronized void removePeerById(String peerId) throws IOException {
        byte[] key = publicKeysById.get(peerId);
        if (key == null) {
            throw new IOException("wireguard: " + interfaceName + ": remove peer: unknown peer id \"" + peerId + "\"");
        }
        controller.removePeer(interfaceName, key);
        publicKeysById.remove(peerId);
        log.atDebug().addKeyValue("peer_id", peerId).addKeyValue("interface", interfaceName).log("peer removed");
    }

    /** Node ID to base64 public key of every configured peer. */
    public synchronized Map<String, String> peerIndex() {
        Map<String, String> index = new LinkedHashMap<>();
        publicKeysById.forEach((id, key) -> index.put(id, WireGuardKeys.encode(key)));
        return index;
    }

    public String interfaceName() {
        return interfaceName;
    }

    private PeerConfig toConfig(Peer peer) throws IOException {
        try {
            return PeerConfig.fromApi(peer);
        } catch (IllegalArgumentException e) {
            throw new IOException("wireguard: " + interfaceName + ": " + e.getMessage(), e);
        }
    }
}
