package dev.plexd.wireguard.uapi;

import java.net.InetAddress;
import java.util.Objects;

/**
 * An allowed IP: address and prefix length, e.g. {@code 10.100.0.2/32}, {@code fd00::/64}. Host
 * bits are kept as written (the data plane masks them when it routes).
 */
public record IpPrefix(InetAddress address, int prefixLength) {

    public IpPrefix {
        Objects.requireNonNull(address, "address");
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
    }

    /**
     * Parses {@code address/length}; the length is required, as in UAPI.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static IpPrefix parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected address/prefix-length");
        }
        InetAddress address = IpLiterals.parseAddress(text.substring(0, slash));
        long length = UapiNumbers.parseUnsigned(text.substring(slash + 1), address.getAddress().length * 8);
        return new IpPrefix(address, (int) length);
    }

    @Override
    public String toString() {
        return IpLiterals.formatAddress(address) + "/" + prefixLength;
    }
}
