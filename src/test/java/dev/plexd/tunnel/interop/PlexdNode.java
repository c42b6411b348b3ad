package dev.plexd.tunnel.interop;

import dev.plexd.service.InboundFilter;
import dev.plexd.testing.NetNs;
import dev.plexd.tunnel.crypto.X25519;
import dev.plexd.tunnel.device.Device;
import dev.plexd.tunnel.device.DeviceOptions;
import dev.plexd.tunnel.device.Peer;
import dev.plexd.tunnel.route.Prefix;
import dev.plexd.tunnel.timers.Clock;

import java.net.InetSocketAddress;
import java.util.List;

/** plexd's data plane running in this JVM, its interface and socket created inside a namespace. */
final class PlexdNode implements Node {

    private final NetNs ns;
    private final Device device;
    private final String meshIp;
    private final String underlayIp;

    private PlexdNode(NetNs ns, Device device, String meshIp, String underlayIp) {
        this.ns = ns;
        this.device = device;
        this.meshIp = meshIp;
        this.underlayIp = underlayIp;
    }

    static PlexdNode start(NetNs ns, String iface, String underlayIp, String meshIp, Clock clock, InboundFilter filter)
            throws Exception {
        byte[] key = X25519.generatePrivateKey();
        Device device = ns.call(() -> {
            Device d = Device.open(DeviceOptions.of(iface).withClock(clock).withFilter(filter));
            d.setPrivateKey(key);
            d.start();
            return d;
        });
        ns.sh("ip", "addr", "add", meshIp + "/24", "dev", iface);
        ns.sh("ip", "link", "set", iface, "up");
        return new PlexdNode(ns, device, meshIp, underlayIp);
    }

    Device device() {
        return device;
    }

    Peer peer(Node other) {
        return device.peer(other.publicKey());
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

    @Override
    public void addPeer(Node other) {
        Peer peer = device.addPeer(other.publicKey());
        device.setEndpoint(peer, new InetSocketAddress(other.underlayIp(), other.listenPort()));
        device.replaceAllowedIps(peer, List.of(Prefix.parse(other.meshIp() + "/32")));
    }

    @Override
    public void close() throws Exception {
        device.close();
    }
}
