package dev.plexd.wireguard;

import java.io.IOException;

/** One WireGuard data plane: kernel, an external userspace implementation over UAPI, or plexd's own. */
public interface WireGuardController {

    void createInterface(String name, byte[] privateKey, int listenPort) throws IOException;

    /** Does nothing when the interface does not exist. */
    void deleteInterface(String name) throws IOException;

    void configureAddress(String name, String cidr) throws IOException;

    void setUp(String name) throws IOException;

    void setMtu(String name, int mtu) throws IOException;

    /** Adds the peer or replaces its configuration (endpoint, allowed IPs, keys, keepalive). */
    void addPeer(String name, PeerConfig peer) throws IOException;

    void removePeer(String name, byte[] publicKey) throws IOException;
}
