package dev.plexd.testing;

import dev.plexd.wireguard.PeerConfig;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.WireGuardKeys;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A WireGuard controller that keeps interfaces in memory, for tests of the logic above the data
 * plane (reconciler, policy handler, manager). Failures can be injected per public key.
 */
public final class InMemoryWireGuard implements WireGuardController {

    private final Map<String, Map<String, PeerConfig>> peersByInterface = new LinkedHashMap<>();
    private final Set<String> failingKeys = ConcurrentHashMap.newKeySet();
    private final List<String> operations = new ArrayList<>();
    private PeerListener listener = PeerListener.NONE;

    /** Told of every peer added or removed successfully, under this controller's lock. */
    public interface PeerListener {
        PeerListener NONE = new PeerListener() {
        };

        default void added(String iface, String publicKeyBase64) {
        }

        default void removed(String iface, String publicKeyBase64) {
        }
    }

    /** Replaces the listener (one at a time), e.g. to stand in for what a data plane does with a new peer. */
    public synchronized void listen(PeerListener peerListener) {
        listener = peerListener;
    }

    /** Makes every add/remove of this base64 public key fail until {@link #heal} is called. */
    public void failFor(String publicKeyBase64) {
        failingKeys.add(publicKeyBase64);
    }

    public void heal(String publicKeyBase64) {
        failingKeys.remove(publicKeyBase64);
    }

    /** Base64 public keys configured on the interface. */
    public synchronized Set<String> peerKeys(String iface) {
        return Set.copyOf(peersByInterface.getOrDefault(iface, Map.of()).keySet());
    }

    public synchronized PeerConfig peer(String iface, String publicKeyBase64) {
        return peersByInterface.getOrDefault(iface, Map.of()).get(publicKeyBase64);
    }

    /** Every operation so far, e.g. {@code "add wg0 <key>"}. */
    public synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    @Override
    public synchronized void createInterface(String name, byte[] privateKey, int listenPort) {
        peersByInterface.putIfAbsent(name, new LinkedHashMap<>());
        operations.add("create " + name);
    }

    @Override
    public synchronized void deleteInterface(String name) {
        peersByInterface.remove(name);
        operations.add("delete " + name);
    }

    @Override
    public synchronized void configureAddress(String name, String cidr) {
        operations.add("address " + name + " " + cidr);
    }

    @Override
    public synchronized void setUp(String name) {
        operations.add("up " + name);
    }

    @Override
    public synchronized void setMtu(String name, int mtu) {
        operations.add("mtu " + name + " " + mtu);
    }

    @Override
    public synchronized void addPeer(String name, PeerConfig peer) throws IOException {
        String key = peer.publicKeyBase64();
        if (failingKeys.contains(key)) {
            throw new IOException("injected failure adding " + key + " on " + name);
        }
        peersByInterface.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(key, peer);
        operations.add("add " + name + " " + key);
        listener.added(name, key);
    }

    @Override
    public synchronized void removePeer(String name, byte[] publicKey) throws IOException {
        String key = WireGuardKeys.encode(publicKey);
        if (failingKeys.contains(key)) {
            throw new IOException("injected failure removing " + key + " on " + name);
        }
        Map<String, PeerConfig> peers = peersByInterface.get(name);
        if (peers != null) {
            peers.remove(key);
        }
        operations.add("remove " + name + " " + key);
        listener.removed(name, key);
    }
}
