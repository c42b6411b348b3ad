package dev.plexd.wireguard.uapi;

import dev.plexd.wireguard.WireGuardKeys;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One peer section of a {@code set=1} request. Null / false fields are not sent and leave the
 * peer's current value unchanged.
 *
 * @param publicKey                   32 bytes; selects (or creates) the peer
 * @param remove                      {@code remove=true}: delete the peer
 * @param updateOnly                  {@code update_only=true}: change the peer only if it exists
 * @param presharedKey                32 bytes (all zero removes it), or null
 * @param endpoint                    a resolved address, or null
 * @param persistentKeepaliveInterval seconds 0..65535 (0 = off), or null
 * @param replaceAllowedIps           {@code replace_allowed_ips=true}: drop the current allowed IPs
 *                                    before adding {@code allowedIps}
 * @param allowedIps                  prefixes to add
 * @param protocolVersion             null, or 1 (the only version)
 */
public record PeerUpdate(byte[] publicKey, boolean remove, boolean updateOnly, byte[] presharedKey,
                         InetSocketAddress endpoint, Integer persistentKeepaliveInterval, boolean replaceAllowedIps,
                         List<IpPrefix> allowedIps, Integer protocolVersion) {

    public PeerUpdate {
        Objects.requireNonNull(publicKey, "publicKey");
        publicKey = Keys.checked(publicKey, "public key");
        presharedKey = Keys.checked(presharedKey, "preshared key");
        if (endpoint != null && endpoint.getAddress() == null) {
            throw new IllegalArgumentException("endpoint " + endpoint.getHostString() + " is not resolved to an address");
        }
        if (persistentKeepaliveInterval != null && (persistentKeepaliveInterval < 0 || persistentKeepaliveInterval > 65535)) {
            throw new IllegalArgumentException("persistent keepalive interval must be 0..65535, got " + persistentKeepaliveInterval);
        }
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        if (protocolVersion != null && protocolVersion != 1) {
            throw new IllegalArgumentException("protocol version must be 1, got " + protocolVersion);
        }
    }

    /** Deletes the peer ({@code public_key=…}, {@code remove=true}). */
    public static PeerUpdate removal(byte[] publicKey) {
        return new PeerUpdate(publicKey, true, false, null, null, null, false, List.of(), null);
    }

    /**
     * Sets the peer's whole configuration, creating it if needed: the preshared key (removed when
     * null), endpoint (kept when null: UAPI cannot unset one), keepalive and exactly these
     * allowed IPs.
     */
    public static PeerUpdate replacing(byte[] publicKey, byte[] presharedKey, InetSocketAddress endpoint,
                                       int persistentKeepaliveInterval, List<IpPrefix> allowedIps) {
        byte[] psk = presharedKey == null ? new byte[WireGuardKeys.KEY_LENGTH] : presharedKey;
        return new PeerUpdate(publicKey, false, false, psk, endpoint, persistentKeepaliveInterval, true, allowedIps, null);
    }

    public String publicKeyBase64() {
        return WireGuardKeys.encode(publicKey);
    }

    /** What this section changes, for error messages; never shows the preshared key. */
    public String summary() {
        if (remove) {
            return "remove peer " + publicKeyBase64();
        }
        List<String> parts = new ArrayList<>();
        if (updateOnly) {
            parts.add("update only");
        }
        if (presharedKey != null) {
            parts.add(Keys.isZero(presharedKey) ? "no preshared key" : "preshared key");
        }
        if (endpoint != null) {
            parts.add("endpoint " + IpLiterals.formatEndpoint(endpoint));
        }
        if (persistentKeepaliveInterval != null) {
            parts.add("keepalive " + persistentKeepaliveInterval);
        }
        if (replaceAllowedIps || !allowedIps.isEmpty()) {
            parts.add((replaceAllowedIps ? "allowed IPs " : "add allowed IPs ") + allowedIps);
        }
        return "set peer " + publicKeyBase64() + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerUpdate other
                && Arrays.equals(publicKey, other.publicKey) && remove == other.remove && updateOnly == other.updateOnly
                && Arrays.equals(presharedKey, other.presharedKey) && Objects.equals(endpoint, other.endpoint)
                && Objects.equals(persistentKeepaliveInterval, other.persistentKeepaliveInterval)
                && replaceAllowedIps == other.replaceAllowedIps && allowedIps.equals(other.allowedIps)
                && Objects.equals(protocolVersion, other.protocolVersion);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(publicKey), remove, updateOnly, Arrays.hashCode(presharedKey), endpoint,
                persistentKeepaliveInterval, replaceAllowedIps, allowedIps, protocolVersion);
    }

    @Override
    public String toString() {
        return "PeerUpdate[publicKey=" + publicKeyBase64() + ", remove=" + remove + ", updateOnly=" + updateOnly
                + ", presharedKey=" + Keys.redacted(presharedKey) + ", endpoint=" + endpoint
                + ", persistentKeepaliveInterval=" + persistentKeepaliveInterval + ", replaceAllowedIps=" + replaceAllowedIps
                + ", allowedIps=" + allowedIps + ", protocolVersion=" + protocolVersion + "]";
    }
}
