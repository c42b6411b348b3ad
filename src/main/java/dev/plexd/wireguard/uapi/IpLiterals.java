package dev.plexd.wireguard.uapi;

import dev.plexd.wireguard.PeerConfig;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;

/**
 * IP literals as UAPI writes them: endpoints {@code 192.0.2.1:51820} and
 * {@code [fd00::1]:51820} (optionally with a zone, {@code [fe80::1%2]:51820}; a zone given by
 * interface name is kept as its index), IPv6 in the compressed form of
 * RFC 5952 as wireguard-go prints it. Names are never resolved: UAPI carries addresses only.
 */
public final class IpLiterals {

    private IpLiterals() {
    }

    /**
     * Parses {@code a.b.c.d:port} or {@code [v6]:port} (zone by number or interface name).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static InetSocketAddress parseEndpoint(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("expected [IPv6]:port");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (!host.contains(":")) {
                throw new IllegalArgumentException("only IPv6 addresses go in brackets");
            }
        } else {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected address:port");
            }
            if (colon != text.lastIndexOf(':')) {
                throw new IllegalArgumentException("an IPv6 endpoint must be written [address]:port");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        InetAddress address = parseHost(host);
        long portNumber = UapiNumbers.parseUnsigned(port, 65535);
        if (portNumber == 0) {
            throw new IllegalArgumentException("port must be 1..65535");
        }
        return new InetSocketAddress(address, (int) portNumber);
    }

    /** {@code 192.0.2.1:51820} or {@code [fd00::1]:51820}. */
    public static String formatEndpoint(InetSocketAddress endpoint) {
        InetAddress address = endpoint.getAddress();
        if (address == null) {
            throw new IllegalArgumentException("endpoint " + endpoint.getHostString() + " is not resolved to an address");
        }
        String host = formatAddress(address);
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + endpoint.getPort();
    }

    /** Dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as {@code ::}) with its zone. */
    public static String formatAddress(InetAddress address) {
        if (!(address instanceof Inet6Address v6)) {
            return address.getHostAddress();
        }
        String zone = v6.getScopedInterface() != null ? "%" + v6.getScopedInterface().getName()
                : v6.getScopeId() != 0 ? "%" + v6.getScopeId() : "";
        return formatAddress(v6.getAddress()) + zone;
    }

    /**
     * 4 bytes as a dotted quad, 16 bytes as RFC 5952 IPv6 (lower case, longest zero run as
     * {@code ::}, IPv4-mapped as {@code ::ffff:a.b.c.d}) — the form {@code wg} and {@code nft} print.
     */
    public static String formatAddress(byte[] bytes) {
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        if (bytes.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
        }
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0xffff) {
            return "::ffff:" + (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /**
     * Parses an IPv4 or IPv6 literal (no zone). An IPv4-mapped IPv6 literal stays IPv6, which the
     * JDK's parsers would silently turn into IPv4.
     *
     * @throws IllegalArgumentException when the text is not an address
     */
    public static InetAddress parseAddress(String text) {
        InetAddress address = PeerConfig.parseIpLiteral(text, "address");
        if (text.contains(":") && address.getAddress().length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
            try {
                return Inet6Address.getByAddress(null, mapped, 0);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes are always accepted
            }
        }
        return address;
    }

    private static InetAddress parseHost(String host) {
        int percent = host.indexOf('%');
        if (percent < 0) {
            return parseAddress(host);
        }
        InetAddress base = parseAddress(host.substring(0, percent));
        String zone = host.substring(percent + 1);
        if (!(base instanceof Inet6Address) || zone.isEmpty()) {
            throw new IllegalArgumentException("a zone (%…) needs an IPv6 address and a zone name or number");
        }
        try {
            if (zone.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Inet6Address.getByAddress(null, base.getAddress(), (int) UapiNumbers.parseUnsigned(zone, Integer.MAX_VALUE));
            }
            NetworkInterface nif = NetworkInterface.getByName(zone);
            if (nif == null) {
                throw new IllegalArgumentException("unknown zone \"" + zone + "\"");
            }
            // By index: the JDK ties a named scope to an address of that scope on the interface.
            return Inet6Address.getByAddress(null, base.getAddress(), nif.getIndex());
        } catch (UnknownHostException | SocketException e) {
            throw new IllegalArgumentException("bad zone \"" + zone + "\": " + e.getMessage(), e);
        }
    }
}
