package dev.plexd.wireguard;

import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.IpLiterals;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerStatus;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Parses {@code wg show <iface> dump}: a device line (private key, public key, listen port,
 * fwmark) and one line per peer (public key, preshared key, endpoint, allowed IPs, latest
 * handshake, rx, tx, keepalive), tab-separated, {@code (none)} / {@code off} for absent values.
 * Handshake times have whole seconds only.
 */
public final class WgDump {

    private static final String NONE = "(none)";

    private WgDump() {
    }

    /** @throws IOException naming the interface and line when the output is not a dump */
    public static DeviceStatus parse(String name, String dump) throws IOException {
        List<String> lines = dump.lines().filter(line -> !line.isEmpty()).toList();
        if (lines.isEmpty()) {
            throw new IOException("wireguard: " + name + ": wg show dump: empty output");
        }
        try {
            String[] device = fields(lines.getFirst(), 4);
            byte[] privateKey = NONE.equals(device[0]) ? null : WireGuardKeys.decode(device[0], "private key");
            int listenPort = field("listen port", () -> Integer.parseInt(device[2]));
            long fwmark = "off".equals(device[3]) ? 0 : field("fwmark", () -> Long.decode(device[3]));
            List<PeerStatus> peers = new ArrayList<>();
            for (int i = 1; i < lines.size(); i++) {
                try {
                    peers.add(peer(fields(lines.get(i), 8)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
                }
            }
            return new DeviceStatus(privateKey, listenPort, fwmark, peers);
        } catch (IllegalArgumentException e) {
            // never quote the line: it may hold a key
            throw new IOException("wireguard: " + name + ": wg show dump: " + e.getMessage(), e);
        }
    }

    private static PeerStatus peer(String[] f) {
        byte[] publicKey = WireGuardKeys.decode(f[0], "public key");
        byte[] psk = NONE.equals(f[1]) ? null : WireGuardKeys.decode(f[1], "preshared key");
        InetSocketAddress endpoint = NONE.equals(f[2]) ? null : field("endpoint", () -> IpLiterals.parseEndpoint(f[2]));
        List<IpPrefix> allowed = NONE.equals(f[3]) ? List.of()
                : field("allowed IPs", () -> Arrays.stream(f[3].split(",")).map(IpPrefix::parse).toList());
        Instant handshake = Instant.ofEpochSecond(field("latest handshake", () -> Long.parseLong(f[4])));
        long rx = field("transfer rx", () -> Long.parseLong(f[5]));
        long tx = field("transfer tx", () -> Long.parseLong(f[6]));
        int keepalive = "off".equals(f[7]) ? 0 : field("persistent keepalive", () -> Integer.parseInt(f[7]));
        return new PeerStatus(publicKey, psk, endpoint, handshake, rx, tx, keepalive, allowed, 1);
    }

    private static <T> T field(String what, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static String[] fields(String line, int count) {
        String[] fields = line.split("\t", -1);
        if (fields.length != count) {
            throw new IllegalArgumentException("expected " + count + " tab-separated fields, got " + fields.length);
        }
        return fields;
    }
}
