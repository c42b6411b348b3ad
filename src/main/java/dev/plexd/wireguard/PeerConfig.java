package dev.plexd.wireguard;

import dev.plexd.api.Peer;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A peer as a WireGuard data plane needs it: decoded keys and validated addresses.
 *
 * @param publicKey           32 bytes
 * @param endpoint            {@code host:port} or {@code [v6]:port}, may be null
 * @param allowedIps          CIDRs routed to the peer
 * @param presharedKey        32 bytes, or null
 * @param persistentKeepalive seconds, 0 = off
 */
public record PeerConfig(byte[] publicKey, String endpoint, List<String> allowedIps,
                         byte[] presharedKey, int persistentKeepalive) {

    /** Keeps NAT mappings alive between mesh nodes, as the reference daemon does. */
    public static final int DEFAULT_PERSISTENT_KEEPALIVE = 25;

    public PeerConfig {
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey.length != WireGuardKeys.KEY_LENGTH) {
            throw new IllegalArgumentException("peer public key must be 32 bytes, got " + publicKey.length);
        }
        if (presharedKey != null && presharedKey.length != WireGuardKeys.KEY_LENGTH) {
            throw new IllegalArgumentException("peer preshared key must be 32 bytes, got " + presharedKey.length);
        }
        if (persistentKeepalive < 0 || persistentKeepalive > 65535) {
            throw new IllegalArgumentException("persistent keepalive must be 0..65535, got " + persistentKeepalive);
        }
        publicKey = publicKey.clone();
        presharedKey = presharedKey == null ? null : presharedKey.clone();
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        endpoint = endpoint == null || endpoint.isEmpty() ? null : endpoint;
    }

    /**
     * Converts a control-plane peer. When the peer lists no allowed IPs its own mesh address is
     * routed to it, the narrowest route that lets it talk at all.
     *
     * @throws IllegalArgumentException naming the peer and field when a key is not base64 of 32
     *                                  bytes or an address is not an IP/CIDR
     */
    public static PeerConfig fromApi(Peer peer) {
        String who = "peer " + peer.id();
        byte[] publicKey = WireGuardKeys.decode(peer.publicKey(), who + " public_key");
        byte[] psk = peer.psk() == null || peer.psk().isEmpty() ? null : WireGuardKeys.decode(peer.psk(), who + " psk");
        List<String> allowed = new ArrayList<>();
        if (peer.allowedIps().isEmpty() && peer.meshIp() != null && !peer.meshIp().isEmpty()) {
            allowed.add(hostCidr(peer.meshIp(), who + " mesh_ip"));
        }
        for (String cidr : peer.allowedIps()) {
            allowed.add(validCidr(cidr, who + " allowed_ips"));
        }
        if (peer.endpoint() != null && !peer.endpoint().isEmpty()) {
            validEndpoint(peer.endpoint(), who + " endpoint");
        }
        return new PeerConfig(publicKey, peer.endpoint(), allowed, psk, DEFAULT_PERSISTENT_KEEPALIVE);
    }

    public String publicKeyBase64() {
        return WireGuardKeys.encode(publicKey);
    }

    private static String hostCidr(String ip, String what) {
        String cidr = ip.contains("/") ? ip : ip + (ip.contains(":") ? "/128" : "/32");
        return validCidr(cidr, what);
    }

    /** Validates an IP literal with an optional prefix length; never resolves names. */
    static String validCidr(String cidr, String what) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException(what + ": empty address");
        }
        String text = cidr.trim();
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        int bits = parseIpLiteral(address, what).getAddress().length * 8;
        if (slash >= 0) {
            int prefix;
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": bad prefix length in \"" + cidr + "\"");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException(what + ": prefix length out of range in \"" + cidr + "\"");
            }
        }
        return text;
    }

    private static void validEndpoint(String endpoint, String what) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || colon == endpoint.length() - 1) {
            throw new IllegalArgumentException(what + ": expected host:port, got \"" + endpoint + "\"");
        }
        try {
            int port = Integer.parseInt(endpoint.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(what + ": port out of range in \"" + endpoint + "\"");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": bad port in \"" + endpoint + "\"");
        }
    }

    /** Parses a numeric IPv4/IPv6 literal; rejects anything that would need DNS. */
    public static InetAddress parseIpLiteral(String text, String what) {
        boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = text.contains(":") && text.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException(what + ": not an IP address: \"" + text + "\"");
        }
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": not an IP address: \"" + text + "\"", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerConfig other
                && Arrays.equals(publicKey, other.publicKey)
                && Objects.equals(endpoint, other.endpoint)
                && allowedIps.equals(other.allowedIps)
                && Arrays.equals(presharedKey, other.presharedKey)
                && persistentKeepalive == other.persistentKeepalive;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(publicKey), endpoint, allowedIps, Arrays.hashCode(presharedKey), persistentKeepalive);
    }

    /** Never prints the preshared key. */
    @Override
    public String toString() {
        return "PeerConfig[publicKey=" + publicKeyBase64() + ", endpoint=" + endpoint + ", allowedIps=" + allowedIps
                + ", presharedKey=" + (presharedKey == null ? "none" : "<redacted>")
                + ", persistentKeepalive=" + persistentKeepalive + "]";
    }
}
