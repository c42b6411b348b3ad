package dev.plexd.wireguard.uapi;

import dev.plexd.wireguard.WireGuardKeys;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One peer of a {@code get=1} answer.
 *
 * @param publicKey                   32 bytes
 * @param presharedKey                32 bytes, or null when none (an all-zero key reads as none)
 * @param endpoint                    the current endpoint, or null when none is known yet
 * @param lastHandshake               time of the last completed handshake, or null when never
 *                                    (UAPI sends 0 s / 0 ns for never)
 * @param rxBytes                     bytes received from the peer
 * @param txBytes                     bytes sent to the peer
 * @param persistentKeepaliveInterval seconds, 0 = off
 * @param allowedIps                  the peer's allowed IPs
 * @param protocolVersion             1, or 0 when the implementation does not report it
 */
public record PeerStatus(byte[] publicKey, byte[] presharedKey, InetSocketAddress endpoint, Instant lastHandshake,
                         long rxBytes, long txBytes, int persistentKeepaliveInterval, List<IpPrefix> allowedIps,
                         int protocolVersion) {

    public PeerStatus {
        Objects.requireNonNull(publicKey, "publicKey");
        publicKey = Keys.checked(publicKey, "public key");
        presharedKey = presharedKey == null || Keys.isZero(presharedKey) ? null : Keys.checked(presharedKey, "preshared key");
        if (endpoint != null && endpoint.getAddress() == null) {
            throw new IllegalArgumentException("endpoint " + endpoint.getHostString() + " is not resolved to an address");
        }
        if (Instant.EPOCH.equals(lastHandshake)) {
            lastHandshake = null;
        }
        if (lastHandshake != null && lastHandshake.isBefore(Instant.EPOCH)) {
            throw new IllegalArgumentException("last handshake before 1970: " + lastHandshake);
        }
        if (rxBytes < 0 || txBytes < 0) {
            throw new IllegalArgumentException("byte counters must not be negative");
        }
        if (persistentKeepaliveInterval < 0 || persistentKeepaliveInterval > 65535) {
            throw new IllegalArgumentException("persistent keepalive interval must be 0..65535, got " + persistentKeepaliveInterval);
        }
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        if (protocolVersion != 0 && protocolVersion != 1) {
            throw new IllegalArgumentException("protocol version must be 1, got " + protocolVersion);
        }
    }

    public String publicKeyBase64() {
        return WireGuardKeys.encode(publicKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerStatus other
                && Arrays.equals(publicKey, other.publicKey) && Arrays.equals(presharedKey, other.presharedKey)
                && Objects.equals(endpoint, other.endpoint) && Objects.equals(lastHandshake, other.lastHandshake)
                && rxBytes == other.rxBytes && txBytes == other.txBytes
                && persistentKeepaliveInterval == other.persistentKeepaliveInterval
                && allowedIps.equals(other.allowedIps) && protocolVersion == other.protocolVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(publicKey), Arrays.hashCode(presharedKey), endpoint, lastHandshake, rxBytes,
                txBytes, persistentKeepaliveInterval, allowedIps, protocolVersion);
    }

    @Override
    public String toString() {
        return "PeerStatus[publicKey=" + publicKeyBase64() + ", presharedKey=" + Keys.redacted(presharedKey)
                + ", endpoint=" + endpoint + ", lastHandshake=" + lastHandshake + ", rxBytes=" + rxBytes
                + ", txBytes=" + txBytes + ", persistentKeepaliveInterval=" + persistentKeepaliveInterval
                + ", allowedIps=" + allowedIps + ", protocolVersion=" + protocolVersion + "]";
    }
}
