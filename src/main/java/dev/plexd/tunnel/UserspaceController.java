package dev.plexd.tunnel;

import dev.plexd.sys.Exec;
import dev.plexd.wireguard.DeviceStatusSource;
import dev.plexd.wireguard.IpLink;
import dev.plexd.wireguard.PeerConfig;
import dev.plexd.wireguard.UapiController;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.PeerUpdate;

import java.io.IOException;
import java.util.List;

/**
 * The {@link WireGuardController} of one {@link UserspaceTunnel}: the daemon drives plexd's own
 * data plane in-process, with the same peer conversion as {@link UapiController} and the same
 * {@code wg set} semantics as the UAPI socket. The interface already exists (the tunnel owns
 * it), so {@link #createInterface} only sets the key and port and {@link #deleteInterface}
 * closes the tunnel. Address and link state go through {@code ip}, as for every controller.
 */
final class UserspaceController implements WireGuardController, DeviceStatusSource {

    private final UserspaceTunnel tunnel;
    private final IpLink ip = new IpLink(Exec.host());

    UserspaceController(UserspaceTunnel tunnel) {
        this.tunnel = tunnel;
    }

    @Override
    public void createInterface(String name, byte[] privateKey, int listenPort) throws IOException {
        check(name);
        tunnel.apply(new DeviceUpdate(privateKey, listenPort, null, false, List.of()));
    }

    @Override
    public void deleteInterface(String name) throws IOException {
        if (name.equals(tunnel.name())) {
            tunnel.close();
        }
    }

    @Override
    public void configureAddress(String name, String cidr) throws IOException {
        ip.replaceAddress(check(name), IpLink.checkedCidr(name, cidr));
    }

    @Override
    public void setUp(String name) throws IOException {
        ip.setUp(check(name));
    }

    @Override
    public void setMtu(String name, int mtu) throws IOException {
        IpLink.checkMtu(check(name), mtu);
        try {
            tunnel.device().setMtu(mtu);
        } catch (IllegalArgumentException e) {
            throw new IOException("wireguard: " + name + ": set MTU: " + e.getMessage(), e);
        }
    }

    @Override
    public void addPeer(String name, PeerConfig peer) throws IOException {
        tunnel.apply(DeviceUpdate.ofPeers(UapiController.toUpdate(check(name), peer)));
    }

    @Override
    public void removePeer(String name, byte[] publicKey) throws IOException {
        check(name);
        tunnel.apply(DeviceUpdate.ofPeers(PeerUpdate.removal(publicKey)));
    }

    @Override
    public DeviceStatus deviceStatus(String name) throws IOException {
        check(name);
        return tunnel.status();
    }

    private String check(String name) throws IOException {
        if (!tunnel.name().equals(name)) {
            throw new IOException("wireguard: " + name + ": no such plexd interface (this controller drives "
                    + tunnel.name() + ")");
        }
        return name;
    }
}
