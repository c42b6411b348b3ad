package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import dev.plexd.wireguard.uapi.IpLiterals;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One end of a compiled rule: the wildcard, a single host, or a network prefix. Parsing accepts
 * only IP literals (never resolves names) so nothing but an address can reach a firewall script.
 */
sealed interface Address permits Address.Any, Address.Host, Address.Prefix {

    enum Family {
        /** Either family: only the wildcard has it. */
        ANY,
        V4,
        V6
    }

    Family family();

    /** Whether some address lies in both. */
    boolean overlaps(Address other);

    /** {@link FirewallRule#ANY}: any address of either family. */
    record Any() implements Address {
        static final Any INSTANCE = new Any();

        @Override
        public Family family() {
            return Family.ANY;
        }

        @Override
        public boolean overlaps(Address other) {
            return true;
        }

        @Override
        public String toString() {
            return "any";
        }
    }

    record Host(InetAddress address) implements Address {
        @Override
        public Family family() {
            return familyOf(address);
        }

        @Override
        public boolean overlaps(Address other) {
            return switch (other) {
                case Any any -> true;
                case Host host -> address.equals(host.address);
                case Prefix prefix -> prefix.contains(address);
            };
        }

        @Override
        public String toString() {
            return format(address);
        }
    }

    /** A network with its host bits cleared; never a single host. */
    record Prefix(InetAddress network, int length) implements Address {
        @Override
        public Family family() {
            return familyOf(network);
        }

        @Override
        public boolean overlaps(Address other) {
            return switch (other) {
                case Any any -> true;
                case Host host -> contains(host.address());
                // Two prefixes are either nested or disjoint.
                case Prefix prefix -> contains(prefix.network) || prefix.contains(network);
            };
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            byte[] n = network.getAddress();
            if (a.length != n.length) {
                return false;
            }
            return matchesPrefix(a, n, length);
        }

        @Override
        public String toString() {
            return format(network) + "/" + length;
        }
    }

    /**
     * Parses {@code address} or {@code address/length}; {@link FirewallRule#ANY} is the wildcard.
     * A full-length prefix is a host; host bits under a shorter prefix are cleared, as iptables and
     * nft do.
     *
     * @throws IllegalArgumentException when the text is not an IP literal with a valid prefix length
     */
    static Address parse(String text) {
        if (FirewallRule.ANY.equals(text)) {
            return Any.INSTANCE;
        }
        int slash = text.indexOf('/');
        String literal = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = parseLiteral(literal, text);
        int bits = address.getAddress().length * 8;
        int length = slash < 0 ? bits : prefixLength(text.substring(slash + 1), bits, text);
        if (length == bits) {
            return new Host(address);
        }
        byte[] network = address.getAddress();
        for (int bit = length; bit < bits; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return new Prefix(InetAddress.getByAddress(network), length);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // unreachable: the length is 4 or 16
        }
    }

    private static InetAddress parseLiteral(String literal, String text) {
        // IPv4 only in full dotted-quad form: InetAddress also reads "10.1" as 10.0.0.1, which no
        // operator means. No scope IDs: they name a link, not an address.
        boolean v6 = literal.indexOf(':') >= 0 && literal.indexOf('%') < 0;
        if (!v6 && !isDottedQuad(literal)) {
            throw new IllegalArgumentException("not an IP address: \"" + text + "\"");
        }
        try {
            return InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address: \"" + text + "\"", e);
        }
    }

    private static int prefixLength(String digits, int bits, String text) {
        int length = digits.isEmpty() || digits.length() > 3 ? -1 : 0;
        for (int i = 0; i < digits.length() && length >= 0; i++) {
            char c = digits.charAt(i);
            length = c >= '0' && c <= '9' ? length * 10 + (c - '0') : -1;
        }
        if (length < 0 || length > bits) {
            throw new IllegalArgumentException("invalid prefix length in \"" + text + "\"");
        }
        return length;
    }

    /** Four groups of one to three digits; the values are range-checked by the parser. */
    private static boolean isDottedQuad(String text) {
        int groups = 0;
        int digits = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return false;
                }
            } else if (c == '.' && digits > 0) {
                groups++;
                digits = 0;
            } else {
                return false;
            }
        }
        return groups == 3 && digits > 0;
    }

    static Family familyOf(InetAddress address) {
        return address instanceof Inet4Address ? Family.V4 : Family.V6;
    }

    private static boolean matchesPrefix(byte[] a, byte[] n, int length) {
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (n[full] & mask);
    }

    /** IPv4 dotted quad, IPv6 in the RFC 5952 form nft prints (longest zero run as {@code ::}). */
    static String format(InetAddress address) {
        return IpLiterals.formatAddress(address.getAddress());
    }
}
