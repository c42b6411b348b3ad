package dev.plexd.service.filter;

import dev.plexd.service.policy.Limits;

import java.nio.ByteBuffer;

/**
 * The one IPv4/IPv6 header walker of the filter, used by the inbound decision and by the flow
 * table on both paths: it finds the transport header (walking IPv6 extension headers) and returns
 * everything as one packed {@code long}, so nothing is allocated. Absolute reads only; every read
 * is bounds-checked first, so no input makes it throw.
 */
final class IpHeaders {

    /** A TCP or UDP header with at least the bytes its consumers read (TCP flags, UDP ports). */
    static final int TRANSPORT = 1;
    /** ICMP in IPv4, ICMPv6 in IPv6, fragmented or not. */
    static final int ICMP = 2;
    /** A non-first fragment: protocol known, no port. */
    static final int LATER_FRAGMENT = 3;
    /** Empty, not IP, too many IPv6 extension headers, or another transport. */
    static final int OTHER = 4;
    static final int MALFORMED = 5;

    static final int TCP = 6;
    static final int UDP = 17;
    static final int TCP_FLAGS = 13; // offset of the flags byte in the TCP header

    private static final int ICMPV4 = 1;
    private static final int ICMPV6 = 58;
    private static final int HOP_BY_HOP = 0;
    private static final int ROUTING = 43;
    private static final int FRAGMENT_HEADER = 44;
    private static final int DESTINATION_OPTIONS = 60;
    private static final int MAX_EXTENSION_HEADERS = Limits.MAX_IPV6_EXTENSION_HEADERS;

    private static final long OTHER_RESULT = (long) OTHER << 48;
    private static final long MALFORMED_RESULT = (long) MALFORMED << 48;

    private IpHeaders() {
    }

    /**
     * @return packed: {@link #kind}, {@link #protocol}, {@link #isIpv6} and, for {@link #TRANSPORT},
     *         the absolute offset of the transport header ({@link #transport})
     */
    static long walk(ByteBuffer packet, int offset, int length) {
        if (offset < 0 || length < 0 || offset > packet.limit() - length) {
            return MALFORMED_RESULT;
        }
        if (length == 0) {
            return OTHER_RESULT;
        }
        int first = packet.get(offset);
        int protocol;
        int l4;
        int end;
        boolean ipv6;
        switch ((first >> 4) & 0xf) {
            case 4 -> {
                if (length < 20) {
                    return MALFORMED_RESULT;
                }
                int headerLength = (first & 0xf) << 2;
                int totalLength = u16(packet, offset + 2);
                if (headerLength < 20 || totalLength < headerLength || totalLength > length) {
                    return MALFORMED_RESULT;
                }
                protocol = packet.get(offset + 9) & 0xff;
                if (protocol == ICMPV4) {
                    return result(ICMP, protocol, false, 0);
                }
                if ((u16(packet, offset + 6) & 0x1fff) != 0) {
                    return result(LATER_FRAGMENT, protocol, false, 0);
                }
                l4 = offset + headerLength;
                end = offset + totalLength;
                ipv6 = false;
            }
            case 6 -> {
                if (length < 40) {
                    return MALFORMED_RESULT;
                }
                int payloadLength = u16(packet, offset + 4);
                if (payloadLength > length - 40) {
                    return MALFORMED_RESULT;
                }
                end = offset + 40 + payloadLength;
                protocol = packet.get(offset + 6) & 0xff;
                l4 = offset + 40;
                ipv6 = true;
                int headers = 0;
                while (protocol == HOP_BY_HOP || protocol == ROUTING || protocol == DESTINATION_OPTIONS
                        || protocol == FRAGMENT_HEADER) {
                    if (headers++ == MAX_EXTENSION_HEADERS) {
                        return OTHER_RESULT;
                    }
                    if (protocol == FRAGMENT_HEADER) {
                        if (l4 > end - 8) {
                            return MALFORMED_RESULT;
                        }
                        protocol = packet.get(l4) & 0xff;
                        if ((u16(packet, l4 + 2) & 0xfff8) != 0) {
                            return result(protocol == ICMPV6 ? ICMP : LATER_FRAGMENT, protocol, true, 0);
                        }
                        l4 += 8;
                    } else {
                        if (l4 > end - 2) {
                            return MALFORMED_RESULT;
                        }
                        protocol = packet.get(l4) & 0xff;
                        l4 += ((packet.get(l4 + 1) & 0xff) + 1) << 3;
                    }
                }
                if (protocol == ICMPV6) {
                    return result(ICMP, protocol, true, 0);
                }
            }
            default -> {
                return OTHER_RESULT;
            }
        }
        if (protocol != TCP && protocol != UDP) {
            return OTHER_RESULT;
        }
        if (l4 > end - (protocol == TCP ? TCP_FLAGS + 1 : 4)) {
            return MALFORMED_RESULT;
        }
        return result(TRANSPORT, protocol, ipv6, l4);
    }

    private static long result(int kind, int protocol, boolean ipv6, int l4) {
        return (long) kind << 48 | (long) protocol << 40 | (ipv6 ? 1L << 32 : 0) | l4 & 0xffffffffL;
    }

    static int kind(long headers) {
        return (int) (headers >>> 48);
    }

    static int protocol(long headers) {
        return (int) (headers >>> 40) & 0xff;
    }

    static boolean isIpv6(long headers) {
        return (headers & 1L << 32) != 0;
    }

    /** The absolute offset of the TCP/UDP header; only for {@link #TRANSPORT}. */
    static int transport(long headers) {
        return (int) headers;
    }

    static int u16(ByteBuffer packet, int index) {
        return (packet.get(index) & 0xff) << 8 | packet.get(index + 1) & 0xff;
    }
}
