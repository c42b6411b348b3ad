package dev.plexd.tunnel;

import dev.plexd.service.InboundFilter;
import dev.plexd.sys.Exec;
import dev.plexd.tunnel.device.Device;
import dev.plexd.tunnel.device.DeviceOptions;
import dev.plexd.wireguard.DeviceStatusSource;
import dev.plexd.wireguard.IpLink;
import dev.plexd.wireguard.PeerConfig;
import dev.plexd.wireguard.UapiController;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.PeerUpdate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * plexd's own data plane as a {@link WireGuardController}: the daemon drives it in-process, with
 * the same peer conversion as {@link UapiController} and the same {@code wg set} semantics as
 * the UAPI socket. {@link #createInterface} opens a {@link UserspaceTunnel} (TUN, UDP, threads,
 * UAPI socket) with the service filter given here; {@link #deleteInterface} closes it. Address
 * and link state go through {@code ip}, as for every controller.
 */
public final class UserspaceController implements WireGuardController, DeviceStatusSource, AutoCloseable {

    private final InboundFilter filter;
    private final IpLink ip;
    private final Path uapiDirectory;
    private final Map<String, UserspaceTunnel> tunnels = new ConcurrentHashMap<>();

    /**
     * @param filter        the service filter every interface it creates calls per inbound packet
     * @param exec          where {@code ip} runs (the namespace the interfaces live in)
     * @param uapiDirectory where each interface's UAPI socket goes, null for none
     */
    public UserspaceController(InboundFilter filter, Exec exec, Path uapiDirectory) {
        this.filter = filter;
        this.ip = new IpLink(exec);
        this.uapiDirectory = uapiDirectory;
    }

    /** Drives one tunnel that is already open (see {@link UserspaceTunnel#controller}). */
    UserspaceController(UserspaceTunnel tunnel, Exec exec) {
        this(InboundFilter.ALLOW_ALL, exec, null);
        tunnels.put(tunnel.name(), tunnel);
    }

    /** The open interface {@code name}: slots, counters, status for the daemon. */
    public Optional<UserspaceTunnel> tunnel(String name) {
        return Optional.ofNullable(tunnels.get(name));
    }

    /** Opens the interface, or sets key and port of an open one. */
    @Override
    public synchronized void createInterface(String name, byte[] privateKey, int listenPort) throws IOException {
        UserspaceTunnel existing = tunnels.get(name);
        if (existing != null) {
            existing.apply(new DeviceUpdate(privateKey, listenPort, null, false, List.of()));
            return;
        }
        DeviceOptions options = DeviceOptions.of(name).withListenPort(listenPort).withFilter(filter);
        tunnels.put(name, UserspaceTunnel.open(options, privateKey, uapiDirectory));
    }

    @Override
    public synchronized void deleteInterface(String name) throws IOException {
        UserspaceTunnel tunnel = tunnels.remove(name);
        if (tunnel != null) {
            tunnel.close();
        }
    }

    @Override
    public void configureAddress(String name, String cidr) throws IOException {
        open(name);
        ip.replaceAddress(name, IpLink.checkedCidr(name, cidr));
    }

    @Override
    public void setUp(String name) throws IOException {
        open(name);
        ip.setUp(name);
    }

    @Override
    public void setMtu(String name, int mtu) throws IOException {
        IpLink.checkMtu(name, mtu);
        if (mtu > Device.MAX_MTU) {
            throw new IOException("wireguard: " + name + ": set MTU: plexd's data plane carries at most " + Device.MAX_MTU);
        }
        open(name).device().setMtu(mtu);
    }

    @Override
    public void addPeer(String name, PeerConfig peer) throws IOException {
        open(name).apply(DeviceUpdate.ofPeers(UapiController.toUpdate(name, peer)));
    }

    @Override
    public void removePeer(String name, byte[] publicKey) throws IOException {
        open(name).apply(DeviceUpdate.ofPeers(PeerUpdate.removal(publicKey)));
    }

    @Override
    public DeviceStatus deviceStatus(String name) throws IOException {
        return open(name).status();
    }

    /** Closes every interface it opened. */
    @Override
    public synchronized void close() throws IOException {
        IOException failure = null;
        for (String name : List.copyOf(tunnels.keySet())) {
            try {
                deleteInterface(name);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private UserspaceTunnel open(String name) throws IOException {
        UserspaceTunnel tunnel = tunnels.get(name);
        if (tunnel == null) {
            throw new IOException("wireguard: " + name + ": no such plexd interface (create it first)");
        }
        return tunnel;
    }
}
