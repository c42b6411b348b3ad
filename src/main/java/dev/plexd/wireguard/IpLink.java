package dev.plexd.wireguard;

import dev.plexd.sys.Exec;

import java.io.IOException;

/**
 * The {@code ip} commands every WireGuard controller needs for the link itself: address, MTU,
 * up, delete. Errors read {@code wireguard: <iface>: <action>: <what ip said>}.
 */
public final class IpLink {

    private final Exec exec;

    public IpLink(Exec exec) {
        this.exec = exec;
    }

    public boolean exists(String name) throws IOException {
        return exec.run("ip", "link", "show", "dev", name).ok();
    }

    void addWireGuard(String name) throws IOException {
        run(name, "create interface", "ip", "link", "add", "dev", name, "type", "wireguard");
    }

    /** Does nothing when the link does not exist. */
    public void deleteIfExists(String name) throws IOException {
        if (exists(name)) {
            Exec.Result result = exec.run("ip", "link", "del", "dev", name);
            if (!result.ok() && exists(name)) {
                throw new IOException("wireguard: " + name + ": delete interface: " + result.describeFailure());
            }
        }
    }

    /** Adds the address, or refreshes it when present, so repeating it is harmless. */
    public void replaceAddress(String name, String cidr) throws IOException {
        run(name, "configure address " + cidr, "ip", "address", "replace", cidr, "dev", name);
    }

    public void setMtu(String name, int mtu) throws IOException {
        run(name, "set MTU " + mtu, "ip", "link", "set", "dev", name, "mtu", Integer.toString(mtu));
    }

    public void setUp(String name) throws IOException {
        run(name, "set up", "ip", "link", "set", "dev", name, "up");
    }

    private void run(String name, String action, String... command) throws IOException {
        Exec.Result result = exec.run(command);
        if (!result.ok()) {
            throw new IOException("wireguard: " + name + ": " + action + ": " + result.describeFailure());
        }
    }

    public static String checkedCidr(String name, String cidr) throws IOException {
        try {
            return PeerConfig.validCidr(cidr, "address");
        } catch (IllegalArgumentException e) {
            throw new IOException("wireguard: " + name + ": configure address: " + e.getMessage(), e);
        }
    }

    public static void checkMtu(String name, int mtu) throws IOException {
        // 1280 is IPv6's minimum; 65535 the largest a WireGuard packet can carry.
        if (mtu < 1280 || mtu > 65535) {
            throw new IOException("wireguard: " + name + ": set MTU: " + mtu + " is outside 1280..65535");
        }
    }
}
