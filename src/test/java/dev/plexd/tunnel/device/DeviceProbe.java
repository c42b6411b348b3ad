package dev.plexd.tunnel.device;

import dev.plexd.tunnel.noise.Keypair;

import java.util.ArrayList;
import java.util.List;

/** Test access to a device's sessions, for the interop tests in another package. */
public final class DeviceProbe {

    private DeviceProbe() {
    }

    /** The session a peer sends with, or null. */
    public static Keypair current(Device device, byte[] peerPublicKey) {
        Peer peer = device.peer(peerPublicKey);
        return peer == null ? null : peer.current();
    }

    /** Every session of the peer (current, and the responder's unconfirmed next). */
    public static List<Keypair> sessions(Device device, byte[] peerPublicKey) {
        Peer peer = device.peer(peerPublicKey);
        List<Keypair> all = new ArrayList<>();
        if (peer != null) {
            if (peer.current() != null) {
                all.add(peer.current());
            }
            if (peer.next() != null) {
                all.add(peer.next());
            }
        }
        return all;
    }
}
