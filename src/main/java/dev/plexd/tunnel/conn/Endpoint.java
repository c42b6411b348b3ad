package dev.plexd.tunnel.conn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A peer's UDP address, kept as the {@code sockaddr} the socket sends to (IPv4 as an IPv4-mapped
 * IPv6 address on a dual-stack socket). Immutable; a roaming peer gets a new instance, which
 * {@link #matches} lets the receive path detect without allocating.
 */
public final class Endpoint {

    /** {@code sizeof(struct sockaddr_in6)}; IPv4 addresses use the first 16 bytes. */
    public static final int SOCKADDR_SIZE = 28;
    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;

    private final MemorySegment sockaddr;
    private final int length;
    private final InetSocketAddress address;

    private Endpoint(MemorySegment sockaddr, int length, InetSocketAddress address) {
        this.sockaddr = sockaddr;
        this.length = length;
        this.address = address;
    }

    /** An endpoint for a socket of family {@code v6Socket ? AF_INET6 : AF_INET}. */
    public static Endpoint of(InetSocketAddress address, boolean v6Socket) {
        byte[] ip = address.getAddress().getAddress();
        MemorySegment sa = Arena.ofAuto().allocate(SOCKADDR_SIZE, 8);
        int port = address.getPort();
        if (!v6Socket) {
            if (ip.length != 4) {
                throw new IllegalArgumentException("IPv6 endpoint " + address + " on an IPv4-only socket");
            }
            sa.set(JAVA_SHORT_UNALIGNED, 0, AF_INET);
            sa.set(JAVA_BYTE, 2, (byte) (port >>> 8));
            sa.set(JAVA_BYTE, 3, (byte) port);
            MemorySegment.copy(ip, 0, sa, JAVA_BYTE, 4, 4);
            return new Endpoint(sa, 16, address);
        }
        sa.set(JAVA_SHORT_UNALIGNED, 0, AF_INET6);
        sa.set(JAVA_BYTE, 2, (byte) (port >>> 8));
        sa.set(JAVA_BYTE, 3, (byte) port);
        if (ip.length == 4) {
            sa.set(JAVA_BYTE, 18, (byte) 0xff);
            sa.set(JAVA_BYTE, 19, (byte) 0xff);
            MemorySegment.copy(ip, 0, sa, JAVA_BYTE, 20, 4);
        } else {
            MemorySegment.copy(ip, 0, sa, JAVA_BYTE, 8, 16);
        }
        return new Endpoint(sa, SOCKADDR_SIZE, address);
    }

    /** Reads the {@code sockaddr} the kernel filled in for a received datagram (allocates). */
    public static Endpoint fromSockaddr(MemorySegment source) {
        short family = source.get(JAVA_SHORT_UNALIGNED, 0);
        int port = (source.get(JAVA_BYTE, 2) & 0xff) << 8 | (source.get(JAVA_BYTE, 3) & 0xff);
        byte[] ip;
        if (family == AF_INET) {
            ip = source.asSlice(4, 4).toArray(JAVA_BYTE);
        } else if (family == AF_INET6) {
            ip = source.asSlice(8, 16).toArray(JAVA_BYTE);
        } else {
            throw new IllegalArgumentException("unknown address family " + family);
        }
        try {
            // InetAddress turns an IPv4-mapped address back into IPv4.
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByAddress(ip), port);
            MemorySegment copy = Arena.ofAuto().allocate(SOCKADDR_SIZE, 8);
            int length = family == AF_INET ? 16 : SOCKADDR_SIZE;
            MemorySegment.copy(source, 0, copy, 0, length);
            return new Endpoint(copy, length, address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True if {@code source} (a received {@code sockaddr}) is this address: family, port, IP. */
    public boolean matches(MemorySegment source) {
        if (source.get(JAVA_SHORT_UNALIGNED, 0) != sockaddr.get(JAVA_SHORT_UNALIGNED, 0)
                || source.get(JAVA_SHORT_UNALIGNED, 2) != sockaddr.get(JAVA_SHORT_UNALIGNED, 2)) {
            return false;
        }
        if (length == 16) {
            return source.get(JAVA_LONG_UNALIGNED, 0) == sockaddr.get(JAVA_LONG_UNALIGNED, 0);
        }
        return source.get(JAVA_LONG_UNALIGNED, 8) == sockaddr.get(JAVA_LONG_UNALIGNED, 8)
                && source.get(JAVA_LONG_UNALIGNED, 16) == sockaddr.get(JAVA_LONG_UNALIGNED, 16);
    }

    /** The native {@code sockaddr} (read-only use). */
    public MemorySegment sockaddr() {
        return sockaddr;
    }

    public int sockaddrLength() {
        return length;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** IP bytes followed by the port: what a cookie is bound to. */
    public byte[] cookieSource() {
        byte[] ip = address.getAddress().getAddress();
        byte[] out = new byte[ip.length + 2];
        System.arraycopy(ip, 0, out, 0, ip.length);
        out[ip.length] = (byte) (address.getPort() >>> 8);
        out[ip.length + 1] = (byte) address.getPort();
        return out;
    }

    /** {@code 192.0.2.1:51820} or {@code [fd00::1]:51820}, as {@code wg} prints endpoints. */
    @Override
    public String toString() {
        InetAddress ip = address.getAddress();
        String host = ip.getHostAddress();
        return (ip.getAddress().length == 16 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && address.equals(e.address);
    }

    @Override
    public int hashCode() {
        return address.hashCode();
    }
}
