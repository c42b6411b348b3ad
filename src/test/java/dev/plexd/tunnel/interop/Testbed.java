package dev.plexd.tunnel.interop;

import dev.plexd.testing.NetNs;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two namespaces joined by a veth pair (192.0.2.1 ↔ 192.0.2.2) for one test; the tunnel between
 * them uses 10.100.0.0/24. Interface names start with a prefix ({@code pxd} unless a test gives its
 * own) and a random suffix, so suites running at the same time never share a
 * {@code /var/run/wireguard} socket.
 */
final class Testbed implements AutoCloseable {

    static final String UNDERLAY_A = "192.0.2.1";
    static final String UNDERLAY_B = "192.0.2.2";
    static final String MESH_A = "10.100.0.1";
    static final String MESH_B = "10.100.0.2";

    final NetNs a;
    final NetNs b;
    private final String prefix;
    private final String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));

    Testbed() throws Exception {
        this("dp", "pxd");
    }

    /**
     * @param label  the namespaces' label ({@link NetNs#create})
     * @param prefix the interface names' prefix, three characters
     */
    Testbed(String label, String prefix) throws Exception {
        this.prefix = prefix;
        NetNs first = NetNs.create(label);
        try {
            NetNs second = NetNs.create(label);
            try {
                NetNs.link(first, "va", List.of(UNDERLAY_A + "/24"), second, "vb", List.of(UNDERLAY_B + "/24"));
            } catch (Exception e) {
                second.close();
                throw e;
            }
            this.b = second;
        } catch (Exception e) {
            first.close();
            throw e;
        }
        this.a = first;
    }

    /** {@code <prefix><suffix><side>}: at most 15 characters, unique per test bed. */
    String iface(char side) {
        return prefix + suffix + side;
    }

    @Override
    public void close() throws Exception {
        try {
            a.close();
        } finally {
            b.close();
        }
    }
}
