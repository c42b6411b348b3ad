package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.NetNs;
import dev.plexd.wireguard.X25519;
import dev.plexd.tunnel.UserspaceTunnel;
import dev.plexd.tunnel.device.Device;
import dev.plexd.tunnel.device.DeviceOptions;
import dev.plexd.tunnel.timers.Clock;
import dev.plexd.tunnel.uapi.UapiServer;
import dev.plexd.wireguard.WireGuardKeys;

/** plexd's data plane running in this JVM, its interface and socket created inside a namespace. */
final class PlexdNode implements Node {

    private final NetNs ns;
    private final UserspaceTunnel tunnel;
    private final Device device;
    private final String meshIp;
    private final String underlayIp;

    private PlexdNode(NetNs ns, UserspaceTunnel tunnel, String meshIp, String underlayIp) {
        this.ns = ns;
        this.tunnel = tunnel;
        this.device = tunnel.device();
        this.meshIp = meshIp;
        this.underlayIp = underlayIp;
    }

    static PlexdNode start(NetNs ns, String iface, String underlayIp, String meshIp, Clock clock, InboundFilter filter)
            throws Exception {
        byte[] key = X25519.generatePrivateKey();
        UserspaceTunnel tunnel = ns.call(() -> UserspaceTunnel.open(
                DeviceOptions.of(iface).withClock(clock).withFilter(filter), key, UapiServer.DEFAULT_DIRECTORY));
        ns.sh("ip", "addr", "add", meshIp + "/24", "dev", iface);
        ns.sh("ip", "link", "set", iface, "up");
        return new PlexdNode(ns, tunnel, meshIp, underlayIp);
    }

    UserspaceTunnel tunnel() {
        return tunnel;
    }

    /** Runs {@code wg} in this node's namespace; it reaches plexd through the UAPI socket. */
    String wg(String... args) throws Exception {
        String[] argv = new String[args.length + 1];
        argv[0] = "wg";
        System.arraycopy(args, 0, argv, 1, args.length);
        return ns.sh(argv).stdout();
    }

    Device device() {
        return device;
    }


    @Override
    public NetNs ns() {
        return ns;
    }

    @Override
    public String iface() {
        return device.name();
    }

    @Override
    public byte[] publicKey() {
        return device.publicKey();
    }

    @Override
    public int listenPort() {
        return device.listenPort();
    }

    @Override
    public String meshIp() {
        return meshIp;
    }

    @Override
    public String underlayIp() {
        return underlayIp;
    }

    /** Configures the peer the way an operator would: {@code wg set} on plexd's UAPI socket. */
    @Override
    public void addPeer(Node other) throws Exception {
        wg("set", iface(), "peer", WireGuardKeys.encode(other.publicKey()),
                "endpoint", other.underlayIp() + ":" + other.listenPort(), "allowed-ips", other.meshIp() + "/32");
    }

    @Override
    public void close() throws Exception {
        tunnel.close();
    }
}
