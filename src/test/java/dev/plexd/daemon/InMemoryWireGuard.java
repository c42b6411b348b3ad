package dev.plexd.daemon;

import dev.plexd.wireguard.PeerConfig;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.WireGuardKeys;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test double of a data plane: remembers what the daemon configured, in order. */
public final class InMemoryWireGuard implements WireGuardController, DataPlane {

    public final Map<String, PeerConfig> peers = Collections.synchronizedMap(new LinkedHashMap<>());
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    public volatile boolean closed;

    @Override
    public WireGuardController controller() {
        return this;
    }

    @Override
    public void createInterface(String name, byte[] privateKey, int listenPort) {
        calls.add("create " + name + " " + listenPort);
    }

    @Override
    public void deleteInterface(String name) {
        calls.add("delete " + name);
    }

    @Override
    public void configureAddress(String name, String cidr) {
        calls.add("address " + name + " " + cidr);
    }

    @Override
    public void setUp(String name) {
        calls.add("up " + name);
    }

    @Override
    public void setMtu(String name, int mtu) {
        calls.add("mtu " + name + " " + mtu);
    }

    @Override
    public void addPeer(String name, PeerConfig peer) {
        calls.add("peer+ " + peer.publicKeyBase64());
        peers.put(peer.publicKeyBase64(), peer);
    }

    @Override
    public void removePeer(String name, byte[] publicKey) {
        calls.add("peer- " + WireGuardKeys.encode(publicKey));
        peers.remove(WireGuardKeys.encode(publicKey));
    }

    @Override
    public void close() throws IOException {
        calls.add("close");
        closed = true;
    }
}
