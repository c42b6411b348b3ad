package dev.plexd.daemon;

import dev.plexd.service.InboundFilter;

import java.util.List;

/**
 * What a data plane needs to bring up the mesh interface: it creates {@code name} with the key,
 * port and MTU, assigns {@code addresses} and leaves it down — the daemon sets it up only once the
 * restored state (or deny-all) is enforced.
 *
 * @param privateKey the node's 32-byte WireGuard private key; the daemon clears it once
 *                   {@link Wiring.DataPlaneFactory#open} returns, so a data plane keeps its own copy
 * @param addresses  the node's mesh address(es) with the mesh prefix, e.g. {@code 10.100.0.1/16}
 * @param filter     the service filter's per-packet hook, called at the decrypt → TUN boundary by a
 *                   data plane that sees packets (plexd's userspace one); kernel and external
 *                   data planes cannot call it
 */
public record InterfaceSpec(String name, byte[] privateKey, int listenPort, int mtu, List<String> addresses,
                            InboundFilter filter) {

    public InterfaceSpec {
        addresses = List.copyOf(addresses);
    }

    /** Never prints the private key. */
    @Override
    public String toString() {
        return "InterfaceSpec[name=" + name + ", listenPort=" + listenPort + ", mtu=" + mtu + ", addresses=" + addresses + "]";
    }
}
