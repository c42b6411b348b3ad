package dev.plexd.tunnel.uapi;

import dev.plexd.tunnel.conn.Endpoint;
import dev.plexd.tunnel.device.Device;
import dev.plexd.tunnel.device.Peer;
import dev.plexd.tunnel.route.Prefix;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerStatus;
import dev.plexd.wireguard.uapi.PeerUpdate;
import dev.plexd.wireguard.uapi.UapiErrno;
import dev.plexd.wireguard.uapi.UapiErrnoException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one place where the UAPI model (the codec's {@link DeviceUpdate} / {@link DeviceStatus})
 * meets a {@link Device}: the UAPI socket server and the in-process controller both go through
 * it, so {@code wg set} and the daemon change the interface with the same semantics as
 * wireguard-go.
 */
public final class DeviceConfig {

    private final Device device;

    public DeviceConfig(Device device) {
        this.device = device;
    }

    /** The {@code get=1} view: keys, port, fwmark and every peer with its live state. */
    public DeviceStatus status() {
        synchronized (device) {
            List<PeerStatus> peers = new ArrayList<>();
            for (Peer peer : device.peers()) {
                Endpoint endpoint = peer.endpoint();
                List<IpPrefix> allowed = device.allowedIps(peer).stream().map(DeviceConfig::toIpPrefix).toList();
                peers.add(new PeerStatus(peer.publicKey(), peer.presharedKey(),
                        endpoint == null ? null : endpoint.address(), peer.lastHandshake(), peer.rxBytes(),
                        peer.txBytes(), peer.persistentKeepalive(), allowed, 1));
            }
            return new DeviceStatus(device.privateKey(), device.listenPort(), Integer.toUnsignedLong(device.fwmark()), peers);
        }
    }

    /**
     * Applies a {@code set=1} request (already parsed whole, so a malformed line changes
     * nothing): listen port and fwmark, private key, then {@code replace_peers}, then each peer
     * section in order, with wireguard-go's semantics. The device lock is held throughout, so the
     * packet threads see either the old or the new peer set for each section.
     *
     * @throws UapiErrnoException with the errno to answer (EINVAL for a value the device rejects,
     *                            EADDRINUSE when the port cannot be bound, EIO otherwise)
     */
    public void apply(DeviceUpdate update) throws UapiErrnoException {
        synchronized (device) {
            try {
                // What can fail for reasons outside the request (port taken, fwmark refused) goes
                // first, so such a failure leaves the device as it was.
                if (update.listenPort() != null) {
                    try {
                        device.setListenPort(update.listenPort());
                    } catch (IOException e) {
                        throw new UapiErrnoException("listen port " + update.listenPort() + ": " + e.getMessage(),
                                UapiErrno.EADDRINUSE);
                    }
                }
                if (update.fwmark() != null) {
                    device.setFwmark(update.fwmark().intValue());
                }
                if (update.privateKey() != null) {
                    device.setPrivateKey(update.privateKey());
                }
                if (update.replacePeers()) {
                    device.removeAllPeers();
                }
                for (PeerUpdate peer : update.peers()) {
                    applyPeer(peer);
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new UapiErrnoException(e.getMessage(), UapiErrno.EINVAL);
            } catch (UapiErrnoException e) {
                throw e;
            } catch (IOException e) {
                throw new UapiErrnoException(e.getMessage(), UapiErrno.EIO);
            }
        }
    }

    private void applyPeer(PeerUpdate update) {
        if (update.remove()) {
            device.removePeer(update.publicKey());
            return;
        }
        Peer peer = device.peer(update.publicKey());
        if (peer == null) {
            if (update.updateOnly()) {
                return;
            }
            byte[] own = device.publicKey();
            if (own != null && Arrays.equals(own, update.publicKey())) {
                return; // wireguard-go ignores a peer with the interface's own key
            }
            peer = device.addPeer(update.publicKey());
        }
        if (update.presharedKey() != null) {
            device.setPresharedKey(peer, update.presharedKey());
        }
        if (update.endpoint() != null) {
            device.setEndpoint(peer, update.endpoint());
        }
        if (update.persistentKeepaliveInterval() != null) {
            device.setPersistentKeepalive(peer, update.persistentKeepaliveInterval());
        }
        List<Prefix> prefixes = update.allowedIps().stream()
                .map(p -> new Prefix(p.address().getAddress(), p.prefixLength())).toList();
        if (update.replaceAllowedIps()) {
            device.replaceAllowedIps(peer, prefixes);
        } else {
            for (Prefix prefix : prefixes) {
                device.addAllowedIp(peer, prefix);
            }
        }
    }

    private static IpPrefix toIpPrefix(Prefix prefix) {
        try {
            return new IpPrefix(InetAddress.getByAddress(prefix.address()), prefix.bits());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a prefix always holds 4 or 16 bytes", e);
        }
    }
}
