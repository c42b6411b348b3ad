package dev.plexd.service.filter;

import dev.plexd.service.policy.Limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The IPv4/IPv6 header walker of the filter, used by the flow table on both paths and by the
 * inbound decision for every shape its inline fast path does not take ({@link CompiledPolicy#decide}).
 * It classifies every packet, finds the transport header (walking IPv6 extension headers) and
 * returns everything as one packed {@code long}, so nothing is allocated. Absolute reads only; every read
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

    /** By IP protocol number: the transport header bytes the filter reads (TCP up to its flags, UDP its ports); 0 for the rest. */
    private static final byte[] TRANSPORT_BYTES = new byte[256];

    static {
        TRANSPORT_BYTES[TCP] = TCP_FLAGS + 1;
        TRANSPORT_BYTES[UDP] = 4;
    }

    private static final VarHandle INT32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private static final long OTHER_RESULT = (long) OTHER << 48;
    private static final long MALFORMED_RESULT = (long) MALFORMED << 48;

    private IpHeaders() {
    }

    /**
     * @return packed: {@link #kind}, {@link #protocol}, {@link #isIpv6} and, for {@link #TRANSPORT},
     *         the absolute offset of the transport header ({@link #transport})
     */
    static long walk(byte[] packet, int offset, int length) {
        if (packet == null || (offset | length) < 0 || offset > packet.length - length) {
            return MALFORMED_RESULT;
        }
        if (length < 20) {
            int version = length == 0 ? 0 : (packet[offset] >> 4) & 0xf;
            return version == 4 || version == 6 ? MALFORMED_RESULT : OTHER_RESULT;
        }
        // The first 8 bytes in one read (every read costs a bounds check, and this runs per packet):
        // IPv4's lengths and fragment offset, IPv6's payload length and next header.
        long head = int64(packet, offset);
        return switch ((int) (head >>> 60)) {
            case 4 -> ipv4(packet, offset, length, head);
            case 6 -> ipv6(packet, offset, length, (int) head);
            default -> OTHER_RESULT;
        };
    }

    private static long ipv4(byte[] packet, int offset, int length, long head) {
        int headerLength = (int) (head >>> 54) & 0x3c;
        int totalLength = (int) (head >>> 32) & 0xffff;
        // 20 <= header length <= total length <= length, as one sign test.
        if (((headerLength - 20) | (totalLength - headerLength) | (length - totalLength)) < 0) {
            return MALFORMED_RESULT;
        }
        int protocol = packet[offset + 9] & 0xff;
        if (protocol == ICMPV4) {
            return result(ICMP, protocol, false, 0);
        }
        if ((head & 0x1fff) != 0) {
            return result(LATER_FRAGMENT, protocol, false, 0);
        }
        return transport(protocol, false, offset + headerLength, offset + totalLength);
    }

    private static long ipv6(byte[] packet, int offset, int length, int word1) {
        int payloadLength = word1 >>> 16;
        if (length < 40 || payloadLength > length - 40) {
            return MALFORMED_RESULT;
        }
        int nextHeader = (word1 >>> 8) & 0xff;
        int end = offset + 40 + payloadLength;
        // TCP or UDP right after the fixed header is the common case; the rest is walked out of line,
        // which keeps this path small enough for the JIT to inline into the data plane's loop.
        return TRANSPORT_BYTES[nextHeader] != 0
                ? transport(nextHeader, true, offset + 40, end)
                : ipv6Extensions(packet, nextHeader, offset + 40, end);
    }

    private static long ipv6Extensions(byte[] packet, int nextHeader, int start, int end) {
        int protocol = nextHeader;
        int l4 = start;
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
                protocol = packet[l4] & 0xff;
                if ((u16(packet, l4 + 2) & 0xfff8) != 0) {
                    return result(protocol == ICMPV6 ? ICMP : LATER_FRAGMENT, protocol, true, 0);
                }
                l4 += 8;
            } else {
                if (l4 > end - 2) {
                    return MALFORMED_RESULT;
                }
                protocol = packet[l4] & 0xff;
                l4 += ((packet[l4 + 1] & 0xff) + 1) << 3;
            }
        }
        if (protocol == ICMPV6) {
            return result(ICMP, protocol, true, 0);
        }
        return transport(protocol, true, l4, end);
    }

    /** A TCP or UDP header with the bytes its consumers read before {@code end}, else OTHER or MALFORMED. */
    private static long transport(int protocol, boolean ipv6, int l4, int end) {
        int needed = TRANSPORT_BYTES[protocol];
        if (needed == 0) {
            return OTHER_RESULT;
        }
        return l4 > end - needed ? MALFORMED_RESULT : result(TRANSPORT, protocol, ipv6, l4);
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

    /** The big-endian (network order) 32-bit word at {@code index}. */
    static int int32(byte[] packet, int index) {
        return (int) INT32.get(packet, index);
    }

    /** The big-endian 64-bit word at {@code index}. */
    static long int64(byte[] packet, int index) {
        return (long) INT64.get(packet, index);
    }

    static int u16(byte[] packet, int index) {
        return (packet[index] & 0xff) << 8 | packet[index + 1] & 0xff;
    }
}
