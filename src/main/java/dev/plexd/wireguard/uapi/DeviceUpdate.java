package dev.plexd.wireguard.uapi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@code set=1} request: a change to the device and its peers. Null / false fields are not sent
 * and leave the current value unchanged.
 *
 * @param privateKey   32 bytes (all zero removes it), or null
 * @param listenPort   0..65535 (0 = any free port), or null
 * @param fwmark       0..4294967295 (0 = none), or null
 * @param replacePeers {@code replace_peers=true}: remove every peer not configured in {@code peers}
 * @param peers        peer sections, applied in order
 */
public record DeviceUpdate(byte[] privateKey, Integer listenPort, Long fwmark, boolean replacePeers,
                           List<PeerUpdate> peers) implements UapiRequest {

    public static final long MAX_FWMARK = 0xFFFF_FFFFL;

    public DeviceUpdate {
        privateKey = Keys.checked(privateKey, "private key");
        if (listenPort != null && (listenPort < 0 || listenPort > 65535)) {
            throw new IllegalArgumentException("listen port must be 0..65535, got " + listenPort);
        }
        if (fwmark != null && (fwmark < 0 || fwmark > MAX_FWMARK)) {
            throw new IllegalArgumentException("fwmark must be 0.." + MAX_FWMARK + ", got " + fwmark);
        }
        peers = peers == null ? List.of() : List.copyOf(peers);
    }

    /** Changes only these peers. */
    public static DeviceUpdate ofPeers(PeerUpdate... peers) {
        return new DeviceUpdate(null, null, null, false, List.of(peers));
    }

    /** What this request changes, for error messages; never shows a secret. */
    public String summary() {
        List<String> parts = new ArrayList<>();
        if (privateKey != null) {
            parts.add(Keys.isZero(privateKey) ? "remove private key" : "set private key");
        }
        if (listenPort != null) {
            parts.add("listen port " + listenPort);
        }
        if (fwmark != null) {
            parts.add("fwmark " + fwmark);
        }
        if (replacePeers) {
            parts.add("replace all peers");
        }
        if (peers.size() > 3) {
            parts.add(peers.size() + " peers");
        } else {
            peers.forEach(peer -> parts.add(peer.summary()));
        }
        return parts.isEmpty() ? "empty set" : String.join(", ", parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceUpdate other
                && Arrays.equals(privateKey, other.privateKey) && Objects.equals(listenPort, other.listenPort)
                && Objects.equals(fwmark, other.fwmark) && replacePeers == other.replacePeers && peers.equals(other.peers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(privateKey), listenPort, fwmark, replacePeers, peers);
    }

    @Override
    public String toString() {
        return "DeviceUpdate[privateKey=" + Keys.redacted(privateKey) + ", listenPort=" + listenPort + ", fwmark=" + fwmark
                + ", replacePeers=" + replacePeers + ", peers=" + peers + "]";
    }
}
