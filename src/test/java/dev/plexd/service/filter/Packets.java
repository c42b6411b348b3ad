package dev.plexd.service.filter;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Hand-built IP packets for filter tests: headers are written byte by byte, as on the wire. */
final class Packets {

    static final int ICMP = 1;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMPV6 = 58;
    static final int HOP_BY_HOP = 0;
    static final int ROUTING = 43;
    static final int FRAGMENT = 44;
    static final int DESTINATION_OPTIONS = 60;

    /** TCP flag bits (byte 13 of the TCP header). */
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;

    private Packets() {
    }

    /** A transport header with the given destination port (8 bytes for UDP, 20 for TCP: a bare SYN) plus payload. */
    static byte[] l4(int protocol, int dstPort, int payload) {
        return l4(protocol, dstPort, payload, SYN);
    }

    /** As {@link #l4(int, int, int)}, with the given TCP flags (ignored for UDP). */
    static byte[] l4(int protocol, int dstPort, int payload, int tcpFlags) {
        int header = protocol == TCP ? 20 : 8;
        byte[] bytes = new byte[header + payload];
        bytes[0] = (byte) 0xc3; // source port 50000
        bytes[1] = (byte) 0x50;
        bytes[2] = (byte) (dstPort >>> 8);
        bytes[3] = (byte) dstPort;
        if (protocol == TCP) {
            bytes[12] = 0x50; // data offset 5
            bytes[13] = (byte) tcpFlags;
        }
        return bytes;
    }

    static byte[] ipv4(int protocol, int dstPort) {
        return ipv4(protocol, 0, 0, false, l4(protocol, dstPort, 0));
    }

    /**
     * @param optionBytes  IPv4 options (multiple of 4), making IHL > 5
     * @param fragmentOffset in 8-byte units
     */
    static byte[] ipv4(int protocol, int optionBytes, int fragmentOffset, boolean moreFragments, byte[] payload) {
        int headerLength = 20 + optionBytes;
        byte[] packet = new byte[headerLength + payload.length];
        packet[0] = (byte) (0x40 | headerLength / 4);
        int total = packet.length;
        packet[2] = (byte) (total >>> 8);
        packet[3] = (byte) total;
        int flags = (moreFragments ? 0x2000 : 0) | fragmentOffset;
        packet[6] = (byte) (flags >>> 8);
        packet[7] = (byte) flags;
        packet[8] = 64;
        packet[9] = (byte) protocol;
        byte[] src = {10, 100, 0, 2};
        byte[] dst = {10, 100, 0, 1};
        System.arraycopy(src, 0, packet, 12, 4);
        System.arraycopy(dst, 0, packet, 16, 4);
        for (int i = 0; i < optionBytes; i++) {
            packet[20 + i] = 1; // NOP options
        }
        System.arraycopy(payload, 0, packet, headerLength, payload.length);
        return packet;
    }

    static byte[] ipv6(int protocol, int dstPort) {
        return ipv6(protocol, l4(protocol, dstPort, 0));
    }

    /** An IPv6 packet whose payload starts with the given bytes; {@code firstHeader} is the Next Header field. */
    static byte[] ipv6(int firstHeader, byte[] payload) {
        byte[] packet = new byte[40 + payload.length];
        packet[0] = 0x60;
        packet[4] = (byte) (payload.length >>> 8);
        packet[5] = (byte) payload.length;
        packet[6] = (byte) firstHeader;
        packet[7] = 64;
        packet[8] = (byte) 0xfd; // fd00::2 -> fd00::1
        packet[23] = 2;
        packet[24] = (byte) 0xfd;
        packet[39] = 1;
        System.arraycopy(payload, 0, packet, 40, payload.length);
        return packet;
    }

    /** An extension header (hop-by-hop, routing, destination options) of {@code 8 * (units + 1)} bytes. */
    static byte[] extension(int next, int units) {
        byte[] header = new byte[8 * (units + 1)];
        header[0] = (byte) next;
        header[1] = (byte) units;
        return header;
    }

    /** An IPv6 fragment header. */
    static byte[] fragmentHeader(int next, int offsetUnits, boolean more) {
        byte[] header = new byte[8];
        header[0] = (byte) next;
        int field = offsetUnits << 3 | (more ? 1 : 0);
        header[2] = (byte) (field >>> 8);
        header[3] = (byte) field;
        header[7] = 42; // identification
        return header;
    }

    /**
     * A UDP datagram (or a bare TCP SYN) between two address literals, IPv4 or IPv6, with
     * {@code ipv6Extensions} (hop-by-hop/destination-options headers of 8 bytes each) before the
     * transport header.
     */
    static byte[] flow(int protocol, String src, int srcPort, String dst, int dstPort, int ipv6Extensions) {
        byte[] source = address(src);
        byte[] destination = address(dst);
        byte[] transport = l4(protocol, dstPort, 4);
        transport[0] = (byte) (srcPort >>> 8);
        transport[1] = (byte) srcPort;
        byte[] packet;
        if (source.length == 4) {
            packet = ipv4(protocol, 0, 0, false, transport);
            System.arraycopy(source, 0, packet, 12, 4);
            System.arraycopy(destination, 0, packet, 16, 4);
        } else {
            byte[] payload = transport;
            int next = protocol;
            for (int i = 0; i < ipv6Extensions; i++) {
                payload = concat(extension(next, 0), payload);
                next = i == ipv6Extensions - 1 ? HOP_BY_HOP : DESTINATION_OPTIONS;
            }
            packet = ipv6(next, payload);
            System.arraycopy(source, 0, packet, 8, 16);
            System.arraycopy(destination, 0, packet, 24, 16);
        }
        return packet;
    }

    static byte[] udp(String src, int srcPort, String dst, int dstPort) {
        return flow(UDP, src, srcPort, dst, dstPort, 0);
    }

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static ByteBuffer buffer(byte[] packet) {
        return ByteBuffer.wrap(packet);
    }
}
