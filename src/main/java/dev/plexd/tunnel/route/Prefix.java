package dev.plexd.tunnel.route;

import dev.plexd.wireguard.PeerConfig;
import dev.plexd.wireguard.uapi.IpLiterals;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix with its host bits cleared, as WireGuard stores allowed IPs
 * ({@code 10.0.0.7/24} becomes {@code 10.0.0.0/24}).
 */
public record Prefix(byte[] address, int bits) {

    public Prefix {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes");
        }
        if (bits < 0 || bits > address.length * 8) {
            throw new IllegalArgumentException("prefix length " + bits + " out of range");
        }
        address = masked(address, bits);
    }

    /** Parses {@code 10.0.0.0/24}, {@code fd00::/64} or a bare address (a host route). */
    public static Prefix parse(String cidr) {
        String text = cidr.trim();
        int slash = text.indexOf('/');
        InetAddress ip = PeerConfig.parseIpLiteral(slash < 0 ? text : text.substring(0, slash), "allowed IP");
        byte[] address = ip.getAddress();
        int bits = address.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("allowed IP: bad prefix length in \"" + cidr + "\"");
            }
        }
        return new Prefix(address, bits);
    }

    public boolean isV4() {
        return address.length == 4;
    }

    private static byte[] masked(byte[] address, int bits) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prefix p && bits == p.bits && Arrays.equals(address, p.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + bits;
    }

    /** {@code 10.0.0.0/24}, or IPv6 in RFC 5952 form ({@code fd00::/64}). */
    @Override
    public String toString() {
        return IpLiterals.formatAddress(address) + "/" + bits;
    }
}
