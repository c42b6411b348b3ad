package dev.plexd.wireguard.uapi;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code get=1} answer: the device and all its peers.
 *
 * @param privateKey 32 bytes, or null when none is set (an all-zero key reads as none)
 * @param listenPort the port listened on, 0 when not listening
 * @param fwmark     0..4294967295, 0 = none
 * @param peers      every peer
 */
public record DeviceStatus(byte[] privateKey, int listenPort, long fwmark, List<PeerStatus> peers) {

    public DeviceStatus {
        privateKey = privateKey == null || Keys.isZero(privateKey) ? null : Keys.checked(privateKey, "private key");
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen port must be 0..65535, got " + listenPort);
        }
        if (fwmark < 0 || fwmark > DeviceUpdate.MAX_FWMARK) {
            throw new IllegalArgumentException("fwmark must be 0.." + DeviceUpdate.MAX_FWMARK + ", got " + fwmark);
        }
        peers = peers == null ? List.of() : List.copyOf(peers);
    }

    public Optional<PeerStatus> peer(byte[] publicKey) {
        return peers.stream().filter(p -> Arrays.equals(p.publicKey(), publicKey)).findFirst();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceStatus other
                && Arrays.equals(privateKey, other.privateKey) && listenPort == other.listenPort
                && fwmark == other.fwmark && peers.equals(other.peers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(privateKey), listenPort, fwmark, peers);
    }

    @Override
    public String toString() {
        return "DeviceStatus[privateKey=" + Keys.redacted(privateKey) + ", listenPort=" + listenPort
                + ", fwmark=" + fwmark + ", peers=" + peers + "]";
    }
}
