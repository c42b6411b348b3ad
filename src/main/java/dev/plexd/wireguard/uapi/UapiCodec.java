package dev.plexd.wireguard.uapi;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Writes and strictly parses the messages of WireGuard's cross-platform UAPI
 * (https://www.wireguard.com/xplatform/), for clients and servers alike.
 *
 * <p>A message is {@code key=value} lines ended by a blank line ({@link UapiReader} frames
 * them). A client sends {@code get=1} or {@code set=1} plus configuration lines; the server
 * answers a get with the configuration and {@code errno=0}, a set with {@code errno=N}. Keys are
 * lower-case hex, numbers decimal. The parsers take a message's lines without the blank
 * terminator and reject unknown keys, get-only keys in a set (and set-only keys in a get), device
 * keys after the first {@code public_key}, duplicates, and malformed values, naming the line.
 */
public final class UapiCodec {

    private static final HexFormat HEX = HexFormat.of();
    private static final int NANOS_PER_SECOND = 1_000_000_000;

    private UapiCodec() {
    }

    // ---- writing ----

    /** {@code get=1\n\n}, or {@code set=1\n…\n\n}. */
    public static String encode(UapiRequest request) {
        return switch (request) {
            case UapiRequest.Get _ -> "get=1\n\n";
            case DeviceUpdate update -> encodeSet(update);
        };
    }

    /** The answer to a successful get: the configuration lines, {@code errno=0} and the blank line. */
    public static String encodeGetResponse(DeviceStatus status) {
        StringBuilder out = new StringBuilder(128 + 256 * status.peers().size());
        if (status.privateKey() != null) {
            line(out, UapiKey.PRIVATE_KEY, HEX.formatHex(status.privateKey()));
        }
        if (status.listenPort() != 0) {
            line(out, UapiKey.LISTEN_PORT, status.listenPort());
        }
        if (status.fwmark() != 0) {
            line(out, UapiKey.FWMARK, status.fwmark());
        }
        for (PeerStatus peer : status.peers()) {
            line(out, UapiKey.PUBLIC_KEY, HEX.formatHex(peer.publicKey()));
            if (peer.presharedKey() != null) {
                line(out, UapiKey.PRESHARED_KEY, HEX.formatHex(peer.presharedKey()));
            }
            if (peer.protocolVersion() != 0) {
                line(out, UapiKey.PROTOCOL_VERSION, peer.protocolVersion());
            }
            if (peer.endpoint() != null) {
                line(out, UapiKey.ENDPOINT, IpLiterals.formatEndpoint(peer.endpoint()));
            }
            Instant handshake = peer.lastHandshake();
            line(out, UapiKey.LAST_HANDSHAKE_TIME_SEC, handshake == null ? 0 : handshake.getEpochSecond());
            line(out, UapiKey.LAST_HANDSHAKE_TIME_NSEC, handshake == null ? 0 : handshake.getNano());
            line(out, UapiKey.TX_BYTES, peer.txBytes());
            line(out, UapiKey.RX_BYTES, peer.rxBytes());
            line(out, UapiKey.PERSISTENT_KEEPALIVE_INTERVAL, peer.persistentKeepaliveInterval());
            for (IpPrefix prefix : peer.allowedIps()) {
                line(out, UapiKey.ALLOWED_IP, prefix);
            }
        }
        return out.append("errno=0\n\n").toString();
    }

    /**
     * {@code errno=-N\n\n}: the answer to a set, or to a get that failed. The errno is written
     * negated, as wireguard-go does and as {@code wg} expects ({@code wg} reports
     * {@code errno = -value}); 0 means success.
     *
     * @param errno a positive errno such as {@link UapiErrno#EINVAL}, or 0
     */
    public static String encodeErrno(int errno) {
        return "errno=" + -Math.abs(errno) + "\n\n";
    }

    private static String encodeSet(DeviceUpdate update) {
        StringBuilder out = new StringBuilder(64 + 256 * update.peers().size()).append("set=1\n");
        if (update.privateKey() != null) {
            line(out, UapiKey.PRIVATE_KEY, HEX.formatHex(update.privateKey()));
        }
        if (update.listenPort() != null) {
            line(out, UapiKey.LISTEN_PORT, update.listenPort());
        }
        if (update.fwmark() != null) {
            line(out, UapiKey.FWMARK, update.fwmark());
        }
        if (update.replacePeers()) {
            line(out, UapiKey.REPLACE_PEERS, "true");
        }
        for (PeerUpdate peer : update.peers()) {
            line(out, UapiKey.PUBLIC_KEY, HEX.formatHex(peer.publicKey()));
            if (peer.remove()) {
                line(out, UapiKey.REMOVE, "true");
            }
            // update_only right after public_key, before anything could create the peer
            if (peer.updateOnly()) {
                line(out, UapiKey.UPDATE_ONLY, "true");
            }
            if (peer.presharedKey() != null) {
                line(out, UapiKey.PRESHARED_KEY, HEX.formatHex(peer.presharedKey()));
            }
            if (peer.endpoint() != null) {
                line(out, UapiKey.ENDPOINT, IpLiterals.formatEndpoint(peer.endpoint()));
            }
            if (peer.persistentKeepaliveInterval() != null) {
                line(out, UapiKey.PERSISTENT_KEEPALIVE_INTERVAL, peer.persistentKeepaliveInterval());
            }
            if (peer.replaceAllowedIps()) {
                line(out, UapiKey.REPLACE_ALLOWED_IPS, "true");
            }
            for (IpPrefix prefix : peer.allowedIps()) {
                line(out, UapiKey.ALLOWED_IP, prefix);
            }
            if (peer.protocolVersion() != null) {
                line(out, UapiKey.PROTOCOL_VERSION, peer.protocolVersion());
            }
        }
        return out.append('\n').toString();
    }

    private static void line(StringBuilder out, UapiKey key, Object value) {
        out.append(key.wire).append('=').append(value).append('\n');
    }

    // ---- parsing ----

    /**
     * Parses a request (the lines of one message): {@code get=1} alone, or {@code set=1} and its
     * configuration lines.
     *
     * @throws UapiFormatException naming the line; {@link UapiFormatException#errno()} is the
     *                             errno to answer with
     */
    public static UapiRequest parseRequest(List<String> lines) throws UapiFormatException {
        if (lines.isEmpty()) {
            throw new UapiFormatException("malformed UAPI request: empty message", UapiErrno.EPROTO);
        }
        String operation = lines.getFirst();
        if (operation.equals("get=1")) {
            if (lines.size() > 1) {
                throw new UapiFormatException("malformed UAPI get request: line 2 (" + shown(lines.get(1))
                        + "): a get request has no lines after get=1", UapiErrno.EPROTO);
            }
            return UapiRequest.GET;
        }
        if (!operation.equals("set=1")) {
            throw new UapiFormatException("malformed UAPI request: line 1 (" + shown(operation)
                    + "): unknown operation, expected get=1 or set=1", UapiErrno.EPROTO);
        }
        Sections sections = new Sections("set request", false);
        for (int i = 1; i < lines.size(); i++) {
            sections.accept(i + 1, lines.get(i));
        }
        return sections.toUpdate();
    }

    /**
     * Parses the answer to a get: configuration lines, then {@code errno=N} as the last line.
     *
     * @throws UapiErrnoException  when the answer is {@code errno=N}, N ≠ 0
     * @throws UapiFormatException when the answer is malformed, naming the line
     */
    public static DeviceStatus parseGetResponse(List<String> lines) throws UapiFormatException, UapiErrnoException {
        checkErrno(lines, "get response");
        Sections sections = new Sections("get response", true);
        for (int i = 0; i < lines.size() - 1; i++) {
            sections.accept(i + 1, lines.get(i));
        }
        return sections.toStatus();
    }

    /**
     * Parses the answer to a set: exactly {@code errno=N}.
     *
     * @throws UapiErrnoException  when N ≠ 0
     * @throws UapiFormatException when the answer is anything else
     */
    public static void parseSetResponse(List<String> lines) throws UapiFormatException, UapiErrnoException {
        if (lines.size() > 1) {
            throw new UapiFormatException("malformed UAPI set response: line 1 (" + shown(lines.getFirst())
                    + "): expected only errno=N, got " + lines.size() + " lines");
        }
        checkErrno(lines, "set response");
    }

    /** Checks that the last line is the errno and is 0; errno lines elsewhere are rejected too. */
    private static void checkErrno(List<String> lines, String kind) throws UapiFormatException, UapiErrnoException {
        if (lines.isEmpty()) {
            throw new UapiFormatException("malformed UAPI " + kind + ": empty message, expected errno=N");
        }
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).startsWith("errno=")) {
                throw new UapiFormatException("malformed UAPI " + kind + ": line " + (i + 1) + " (" + shown(lines.get(i))
                        + "): errno must be the last line");
            }
        }
        String last = lines.getLast();
        if (!last.startsWith("errno=")) {
            throw new UapiFormatException("malformed UAPI " + kind + ": line " + lines.size() + " (" + shown(last)
                    + "): expected errno=N as the last line");
        }
        String value = last.substring("errno=".length());
        int errno;
        try {
            boolean negative = value.startsWith("-");
            long magnitude = UapiNumbers.parseUnsigned(negative ? value.substring(1) : value, Integer.MAX_VALUE);
            errno = (int) (negative ? -magnitude : magnitude);
        } catch (IllegalArgumentException e) {
            throw new UapiFormatException("malformed UAPI " + kind + ": line " + lines.size() + " (" + shown(last)
                    + "): errno " + e.getMessage());
        }
        if (errno != 0) {
            throw new UapiErrnoException("UAPI errno=" + errno + " (" + UapiErrno.name(Math.abs(errno)) + ")", Math.abs(errno));
        }
    }

    /** A line as an error may show it: at most 60 characters, and never the value of a secret key. */
    private static String shown(String line) {
        int eq = line.indexOf('=');
        if (eq > 0) {
            UapiKey key = UapiKey.byName(line.substring(0, eq));
            if (key != null && key.secret) {
                return key.wire + "=<redacted>";
            }
        }
        String printable = line.codePoints()
                .map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return "\"" + (printable.length() > 60 ? printable.substring(0, 60) + "…" : printable) + "\"";
    }

    /**
     * The device section and the peer sections of a set request or get response, filled line by
     * line; one state machine serves both message kinds.
     */
    private static final class Sections {
        private final String kind;
        private final boolean get;
        private final Set<UapiKey> deviceSeen = EnumSet.noneOf(UapiKey.class);
        private final List<PeerSection> peers = new ArrayList<>();
        private byte[] privateKey;
        private Integer listenPort;
        private Long fwmark;
        private boolean replacePeers;

        Sections(String kind, boolean get) {
            this.kind = kind;
            this.get = get;
        }

        void accept(int number, String line) throws UapiFormatException {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw error(number, line, "expected key=value");
            }
            String name = line.substring(0, eq);
            String value = line.substring(eq + 1);
            UapiKey key = UapiKey.byName(name);
            if (key == null) {
                throw new UapiFormatException("malformed UAPI " + kind + ": line " + number + ": unknown key "
                        + shown(name));
            }
            if (get ? !key.inGet : !key.inSet) {
                throw error(number, line, key.wire + " is not valid in a " + kind
                        + (get ? " (it may only be set)" : " (it is only reported by get)"));
            }
            try {
                if (key == UapiKey.PUBLIC_KEY) {
                    peers.add(new PeerSection(hexKey(value)));
                } else if (key.peer) {
                    if (peers.isEmpty()) {
                        throw error(number, line, key.wire + " before any public_key");
                    }
                    peers.getLast().accept(key, value, number, line);
                } else {
                    if (!peers.isEmpty()) {
                        throw error(number, line, "device key " + key.wire + " after a peer section (device keys come first)");
                    }
                    if (!deviceSeen.add(key)) {
                        throw error(number, line, "duplicate " + key.wire);
                    }
                    switch (key) {
                        case PRIVATE_KEY -> privateKey = hexKey(value);
                        case LISTEN_PORT -> listenPort = (int) UapiNumbers.parseUnsigned(value, 65535);
                        case FWMARK -> fwmark = UapiNumbers.parseUnsigned(value, DeviceUpdate.MAX_FWMARK);
                        case REPLACE_PEERS -> replacePeers = isTrue(value);
                        default -> throw new IllegalStateException("device key " + key);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw error(number, line, key.wire + ": " + e.getMessage());
            }
        }

        UapiFormatException error(int number, String line, String problem) {
            return new UapiFormatException("malformed UAPI " + kind + ": line " + number + " (" + shown(line) + "): " + problem);
        }

        DeviceUpdate toUpdate() {
            return new DeviceUpdate(privateKey, listenPort, fwmark, replacePeers,
                    peers.stream().map(PeerSection::toUpdate).toList());
        }

        DeviceStatus toStatus() {
            return new DeviceStatus(privateKey, listenPort == null ? 0 : listenPort, fwmark == null ? 0 : fwmark,
                    peers.stream().map(PeerSection::toStatus).toList());
        }

        /** One peer's lines, as they come. */
        private final class PeerSection {
            final byte[] publicKey;
            final Set<UapiKey> seen = EnumSet.noneOf(UapiKey.class);
            final List<IpPrefix> allowedIps = new ArrayList<>();
            boolean remove;
            boolean updateOnly;
            boolean replaceAllowedIps;
            byte[] presharedKey;
            InetSocketAddress endpoint;
            Integer keepalive;
            Integer protocolVersion;
            long handshakeSeconds;
            long handshakeNanos;
            long rxBytes;
            long txBytes;

            PeerSection(byte[] publicKey) {
                this.publicKey = publicKey;
            }

            void accept(UapiKey key, String value, int number, String line) throws UapiFormatException {
                if (key != UapiKey.ALLOWED_IP && !seen.add(key)) {
                    throw error(number, line, "duplicate " + key.wire + " for one peer");
                }
                switch (key) {
                    case REMOVE -> remove = isTrue(value);
                    case UPDATE_ONLY -> updateOnly = isTrue(value);
                    case PRESHARED_KEY -> presharedKey = hexKey(value);
                    case ENDPOINT -> endpoint = IpLiterals.parseEndpoint(value);
                    case PERSISTENT_KEEPALIVE_INTERVAL -> keepalive = (int) UapiNumbers.parseUnsigned(value, 65535);
                    case REPLACE_ALLOWED_IPS -> {
                        if (!allowedIps.isEmpty()) {
                            throw error(number, line, "replace_allowed_ips after allowed_ip lines would discard them");
                        }
                        replaceAllowedIps = isTrue(value);
                    }
                    case ALLOWED_IP -> allowedIps.add(IpPrefix.parse(value));
                    case PROTOCOL_VERSION -> {
                        if (!value.equals("1")) {
                            throw new IllegalArgumentException("unsupported version, only 1 exists");
                        }
                        protocolVersion = 1;
                    }
                    case LAST_HANDSHAKE_TIME_SEC -> handshakeSeconds = UapiNumbers.parseUnsigned(value, Instant.MAX.getEpochSecond());
                    case LAST_HANDSHAKE_TIME_NSEC -> handshakeNanos = UapiNumbers.parseUnsigned(value, NANOS_PER_SECOND - 1);
                    case RX_BYTES -> rxBytes = UapiNumbers.parseUnsigned(value, Long.MAX_VALUE);
                    case TX_BYTES -> txBytes = UapiNumbers.parseUnsigned(value, Long.MAX_VALUE);
                    default -> throw new IllegalStateException("peer key " + key);
                }
            }

            PeerUpdate toUpdate() {
                return new PeerUpdate(publicKey, remove, updateOnly, presharedKey, endpoint, keepalive, replaceAllowedIps,
                        allowedIps, protocolVersion);
            }

            PeerStatus toStatus() {
                return new PeerStatus(publicKey, presharedKey, endpoint, Instant.ofEpochSecond(handshakeSeconds, handshakeNanos),
                        rxBytes, txBytes, keepalive == null ? 0 : keepalive, allowedIps,
                        protocolVersion == null ? 0 : protocolVersion);
            }
        }
    }

    private static byte[] hexKey(String value) {
        if (value.length() != 64 || !value.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
            throw new IllegalArgumentException("must be 64 hex digits");
        }
        return HEX.parseHex(value);
    }

    private static boolean isTrue(String value) {
        if (!value.equals("true")) {
            throw new IllegalArgumentException("the only valid value is true");
        }
        return true;
    }
}
