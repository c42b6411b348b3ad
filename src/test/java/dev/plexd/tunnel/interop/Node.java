package dev.plexd.tunnel.interop;

import dev.plexd.testing.NetNs;

/** One WireGuard interface under test, inside a namespace: plexd's data plane or wireguard-go. */
interface Node extends AutoCloseable {

    NetNs ns();

    String iface();

    byte[] publicKey();

    int listenPort();

    /** The address on the tunnel, e.g. {@code 10.100.0.1}. */
    String meshIp();

    /** The address on the veth underneath, e.g. {@code 192.0.2.1}. */
    String underlayIp();

    /** Configures {@code peer} with its endpoint and its mesh address as allowed IP. */
    void addPeer(Node peer) throws Exception;

    @Override
    void close() throws Exception;
}
