package dev.plexd.service.filter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A one-line description of a dropped packet's first bytes for the drop log: protocol, addresses
 * and destination port where they are plainly there. Off the per-packet path; it describes, it
 * does not decide (the drop reason says why).
 */
final class PacketSummary {

    private PacketSummary() {
    }

    static String describe(byte[] head) {
        if (head.length == 0) {
            return "empty packet";
        }
        int version = (head[0] >> 4) & 0xf;
        if (version == 4 && head.length >= 20) {
            int headerLength = (head[0] & 0xf) << 2;
            int protocol = head[9] & 0xff;
            boolean laterFragment = ((head[6] & 0x1f) << 8 | head[7] & 0xff) != 0;
            return describe(protocol, Arrays.copyOfRange(head, 12, 16), Arrays.copyOfRange(head, 16, 20),
                    laterFragment ? -1 : port(head, headerLength, protocol)) + (laterFragment ? " (later fragment)" : "");
        }
        if (version == 6 && head.length >= 40) {
            int next = head[6] & 0xff;
            return describe(next, Arrays.copyOfRange(head, 8, 24), Arrays.copyOfRange(head, 24, 40), port(head, 40, next));
        }
        return "not an IP packet (" + head.length + "+ bytes, first byte 0x" + String.format("%02x", head[0] & 0xff) + ")";
    }

    private static int port(byte[] head, int l4, int protocol) {
        if ((protocol != 6 && protocol != 17) || l4 < 20 || head.length < l4 + 4) {
            return -1;
        }
        return (head[l4 + 2] & 0xff) << 8 | head[l4 + 3] & 0xff;
    }

    private static String describe(int protocol, byte[] src, byte[] dst, int port) {
        String name = switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            default -> "protocol " + protocol;
        };
        return name + " " + address(src) + " -> " + address(dst) + (port >= 0 ? " port " + port : "");
    }

    private static String address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return "?";
        }
    }
}
