package dev.plexd.wireguard.uapi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UapiCodecTest {

    private static final byte[] PRIVATE = key(0x10);
    private static final byte[] PEER_A = key(0x20);
    private static final byte[] PEER_B = key(0x30);
    private static final byte[] PEER_C = key(0x40);
    private static final byte[] PSK = key(0x50);

    static byte[] key(int seed) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (seed + i);
        }
        return key;
    }

    static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }

    static InetSocketAddress endpoint(String ip, int port) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), port);
    }

    static List<String> lines(String... lines) {
        return List.of(lines);
    }

    /** Frames a written message with the reader, exactly as a peer on the socket would. */
    static List<String> frame(String message) throws IOException {
        UapiReader reader = new UapiReader(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        List<String> lines = reader.next().orElseThrow();
        assertThat(reader.next()).as("exactly one message").isEmpty();
        return lines;
    }

    // ---- set requests ----

    static DeviceUpdate everySetKey() {
        PeerUpdate full = new PeerUpdate(PEER_A, false, true, PSK, endpoint("192.0.2.2", 51820), 25, true,
                List.of(IpPrefix.parse("10.100.0.2/32"), IpPrefix.parse("fd00:100::2/128")), 1);
        PeerUpdate v6 = new PeerUpdate(PEER_B, false, false, null, endpoint("fd00:2::2", 51821), 0, false,
                List.of(IpPrefix.parse("0.0.0.0/0")), null);
        return new DeviceUpdate(PRIVATE, 51820, 0xFFFF_FFFFL, true, List.of(full, v6, PeerUpdate.removal(PEER_C)));
    }

    @Test
    void setRequestWithEveryKeyIsWrittenInProtocolOrder() {
        assertThat(UapiCodec.encode(everySetKey())).isEqualTo("""
                set=1
                private_key=%s
                listen_port=51820
                fwmark=4294967295
                replace_peers=true
                public_key=%s
                update_only=true
                preshared_key=%s
                endpoint=192.0.2.2:51820
                persistent_keepalive_interval=25
                replace_allowed_ips=true
                allowed_ip=10.100.0.2/32
                allowed_ip=fd00:100::2/128
                protocol_version=1
                public_key=%s
                endpoint=[fd00:2::2]:51821
                persistent_keepalive_interval=0
                allowed_ip=0.0.0.0/0
                public_key=%s
                remove=true

                """.formatted(hex(PRIVATE), hex(PEER_A), hex(PSK), hex(PEER_B), hex(PEER_C)));
    }

    @Test
    void setRequestRoundTrips() throws IOException {
        DeviceUpdate update = everySetKey();
        assertThat(UapiCodec.parseRequest(frame(UapiCodec.encode(update)))).isEqualTo(update);
    }

    @Test
    void emptySetAndGetRequestsRoundTrip() throws IOException {
        DeviceUpdate empty = DeviceUpdate.ofPeers();
        assertThat(UapiCodec.encode(empty)).isEqualTo("set=1\n\n");
        assertThat(UapiCodec.parseRequest(frame("set=1\n\n"))).isEqualTo(empty);
        assertThat(UapiCodec.encode(UapiRequest.GET)).isEqualTo("get=1\n\n");
        assertThat(UapiCodec.parseRequest(frame("get=1\n\n"))).isEqualTo(UapiRequest.GET);
    }

    @Test
    void removingKeysAndUpperCaseHexAreAccepted() throws IOException {
        byte[] zero = new byte[32];
        UapiRequest parsed = UapiCodec.parseRequest(lines("set=1", "private_key=" + hex(zero),
                "public_key=" + hex(PEER_A).toUpperCase(), "preshared_key=" + hex(zero)));
        assertThat(parsed).isEqualTo(new DeviceUpdate(zero, null, null, false,
                List.of(new PeerUpdate(PEER_A, false, false, zero, null, null, false, List.of(), null))));
        assertThat(((DeviceUpdate) parsed).summary()).isEqualTo(
                "remove private key, set peer " + new PeerUpdate(PEER_A, false, false, null, null, null, false, List.of(), null)
                        .publicKeyBase64() + " (no preshared key)");
    }

    @Test
    void theSamePeerMayHaveSeveralSectionsAndManyAllowedIps() throws IOException {
        UapiRequest parsed = UapiCodec.parseRequest(lines("set=1", "public_key=" + hex(PEER_A), "allowed_ip=10.0.0.1/32",
                "allowed_ip=10.0.0.2/32", "public_key=" + hex(PEER_A), "remove=true"));
        assertThat(((DeviceUpdate) parsed).peers()).hasSize(2);
        assertThat(((DeviceUpdate) parsed).peers().getFirst().allowedIps()).extracting(IpPrefix::toString)
                .containsExactly("10.0.0.1/32", "10.0.0.2/32");
    }

    // ---- get responses ----

    @Test
    void getResponseAsWireguardGoWritesItParses() throws IOException {
        String answer = """
                private_key=%s
                listen_port=51820
                fwmark=7
                public_key=%s
                preshared_key=%s
                protocol_version=1
                endpoint=[fe80::1%%2]:51820
                last_handshake_time_sec=1700000000
                last_handshake_time_nsec=123456789
                tx_bytes=1000
                rx_bytes=2000
                persistent_keepalive_interval=25
                allowed_ip=10.100.0.2/32
                allowed_ip=fd00::/8
                public_key=%s
                preshared_key=%s
                protocol_version=1
                last_handshake_time_sec=0
                last_handshake_time_nsec=0
                tx_bytes=0
                rx_bytes=0
                persistent_keepalive_interval=0
                errno=0

                """.formatted(hex(PRIVATE), hex(PEER_A), hex(PSK), hex(PEER_B), hex(new byte[32]));
        DeviceStatus status = UapiCodec.parseGetResponse(frame(answer));

        assertThat(status.privateKey()).isEqualTo(PRIVATE);
        assertThat(status.listenPort()).isEqualTo(51820);
        assertThat(status.fwmark()).isEqualTo(7);
        assertThat(status.peers()).hasSize(2);
        PeerStatus a = status.peer(PEER_A).orElseThrow();
        assertThat(a.presharedKey()).isEqualTo(PSK);
        assertThat(IpLiterals.formatEndpoint(a.endpoint())).isEqualTo("[fe80::1%2]:51820");
        assertThat(a.lastHandshake()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertThat(a.txBytes()).isEqualTo(1000);
        assertThat(a.rxBytes()).isEqualTo(2000);
        assertThat(a.persistentKeepaliveInterval()).isEqualTo(25);
        assertThat(a.allowedIps()).extracting(IpPrefix::toString).containsExactly("10.100.0.2/32", "fd00::/8");
        assertThat(a.protocolVersion()).isEqualTo(1);
        PeerStatus b = status.peer(PEER_B).orElseThrow();
        assertThat(b.presharedKey()).as("all-zero key means none").isNull();
        assertThat(b.endpoint()).isNull();
        assertThat(b.lastHandshake()).as("0/0 means never").isNull();
        assertThat(b.allowedIps()).isEmpty();

        // Written back, it is the same status (the zero preshared key is left out).
        assertThat(UapiCodec.parseGetResponse(frame(UapiCodec.encodeGetResponse(status)))).isEqualTo(status);
        assertThat(UapiCodec.encodeGetResponse(status)).isEqualTo(answer.replace("preshared_key=" + hex(new byte[32]) + "\n", ""));
    }

    @Test
    void emptyDeviceStatusRoundTrips() throws IOException {
        DeviceStatus none = new DeviceStatus(null, 0, 0, List.of());
        assertThat(UapiCodec.encodeGetResponse(none)).isEqualTo("errno=0\n\n");
        assertThat(UapiCodec.parseGetResponse(frame("errno=0\n\n"))).isEqualTo(none);
    }

    @Test
    void errnoAnswers() throws IOException {
        assertThat(UapiCodec.encodeErrno(0)).isEqualTo("errno=0\n\n");
        UapiCodec.parseSetResponse(frame(UapiCodec.encodeErrno(0)));
        assertThat(UapiCodec.encodeErrno(UapiErrno.EINVAL)).as("negated, as wireguard-go writes it").isEqualTo("errno=-22\n\n");
        assertThat(UapiCodec.encodeErrno(-22)).isEqualTo("errno=-22\n\n");
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(frame(UapiCodec.encodeErrno(22))))
                .isInstanceOf(UapiErrnoException.class).hasMessage("UAPI errno=-22 (EINVAL)")
                .extracting(e -> ((UapiErrnoException) e).errno()).isEqualTo(22);
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(lines("errno=22")))
                .as("a positive errno is read too").isInstanceOf(UapiErrnoException.class).hasMessage("UAPI errno=22 (EINVAL)")
                .extracting(e -> ((UapiErrnoException) e).errno()).isEqualTo(22);
        assertThatThrownBy(() -> UapiCodec.parseGetResponse(lines("errno=1")))
                .isInstanceOf(UapiErrnoException.class).hasMessage("UAPI errno=1 (EPERM)");
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(lines("errno=-98")))
                .as("wireguard-go's form").isInstanceOf(UapiErrnoException.class)
                .hasMessage("UAPI errno=-98 (EADDRINUSE)").extracting(e -> ((UapiErrnoException) e).errno()).isEqualTo(98);
    }

    // ---- literals ----

    @Test
    void ipv6IsWrittenCompressedAsRfc5952AndWireguardGoDo() {
        assertThat(IpPrefix.parse("fd00:0:0:0:0:0:0:1/128").toString()).isEqualTo("fd00::1/128");
        assertThat(IpPrefix.parse("0:0:0:0:0:0:0:0/0").toString()).isEqualTo("::/0");
        assertThat(IpPrefix.parse("1:0:0:1:0:0:0:1/128").toString()).isEqualTo("1:0:0:1::1/128");
        assertThat(IpPrefix.parse("1:0:1:1:1:1:1:1/128").toString()).isEqualTo("1:0:1:1:1:1:1:1/128");
        assertThat(IpPrefix.parse("FD00:AB::/64").toString()).isEqualTo("fd00:ab::/64");
        assertThat(IpPrefix.parse("::ffff:192.0.2.1/128").toString()).as("mapped stays IPv6").isEqualTo("::ffff:192.0.2.1/128");
        assertThat(IpPrefix.parse("10.1.2.3/8").toString()).as("host bits kept").isEqualTo("10.1.2.3/8");
        assertThat(IpLiterals.formatEndpoint(IpLiterals.parseEndpoint("[fd00:0::1]:1"))).isEqualTo("[fd00::1]:1");
        assertThat(IpLiterals.formatEndpoint(IpLiterals.parseEndpoint("[::ffff:192.0.2.1]:9"))).isEqualTo("[::ffff:192.0.2.1]:9");
        assertThat(IpLiterals.formatEndpoint(IpLiterals.parseEndpoint("[fe80::1%lo]:7"))).as("zone by index").isEqualTo("[fe80::1%1]:7");
    }

    // ---- malformed input: every error names the line and what is wrong ----

    static Stream<Arguments> malformedRequests() {
        String a = "public_key=" + hex(PEER_A);
        return Stream.of(
                Arguments.of(lines(), "malformed UAPI request: empty message"),
                Arguments.of(lines("set=2"), "line 1 (\"set=2\"): unknown operation, expected get=1 or set=1"),
                Arguments.of(lines("GET=1"), "line 1 (\"GET=1\"): unknown operation"),
                Arguments.of(lines("get=1", "listen_port=1"), "line 2 (\"listen_port=1\"): a get request has no lines after get=1"),
                Arguments.of(lines("set=1", "listen_port"), "line 2 (\"listen_port\"): expected key=value"),
                Arguments.of(lines("set=1", "=5"), "line 2 (\"=5\"): expected key=value"),
                Arguments.of(lines("set=1", "listen_port=1", "bogus=1"), "line 3: unknown key \"bogus\""),
                Arguments.of(lines("set=1", "errno=0"), "line 2: unknown key \"errno\""),
                Arguments.of(lines("set=1", "Listen_Port=1"), "line 2: unknown key \"Listen_Port\""),
                Arguments.of(lines("set=1", "private_key=" + "zz".repeat(32)), "line 2 (private_key=<redacted>): private_key: must be 64 hex digits"),
                Arguments.of(lines("set=1", "private_key=abcd"), "line 2 (private_key=<redacted>): private_key: must be 64 hex digits"),
                Arguments.of(lines("set=1", "private_key=" + hex(PRIVATE) + "00"), "private_key: must be 64 hex digits"),
                Arguments.of(lines("set=1", "listen_port=65536"), "line 2 (\"listen_port=65536\"): listen_port: out of range 0..65535"),
                Arguments.of(lines("set=1", "listen_port=-1"), "listen_port: not a number in 0..65535"),
                Arguments.of(lines("set=1", "listen_port= 1"), "listen_port: not a number in 0..65535"),
                Arguments.of(lines("set=1", "listen_port="), "listen_port: not a number in 0..65535"),
                Arguments.of(lines("set=1", "listen_port=0x10"), "listen_port: not a number in 0..65535"),
                Arguments.of(lines("set=1", "fwmark=4294967296"), "fwmark: out of range 0..4294967295"),
                Arguments.of(lines("set=1", "replace_peers=false"), "replace_peers: the only valid value is true"),
                Arguments.of(lines("set=1", "listen_port=1", "listen_port=2"), "line 3 (\"listen_port=2\"): duplicate listen_port"),
                Arguments.of(lines("set=1", "public_key=xyz"), "line 2 (\"public_key=xyz\"): public_key: must be 64 hex digits"),
                Arguments.of(lines("set=1", "endpoint=192.0.2.1:1"), "line 2 (\"endpoint=192.0.2.1:1\"): endpoint before any public_key"),
                Arguments.of(lines("set=1", a, "listen_port=1"), "line 3 (\"listen_port=1\"): device key listen_port after a peer section"),
                Arguments.of(lines("set=1", a, "replace_peers=true"), "device key replace_peers after a peer section"),
                Arguments.of(lines("set=1", a, "remove=yes"), "line 3 (\"remove=yes\"): remove: the only valid value is true"),
                Arguments.of(lines("set=1", a, "update_only=1"), "update_only: the only valid value is true"),
                Arguments.of(lines("set=1", a, "preshared_key=" + "g".repeat(64)), "line 3 (preshared_key=<redacted>): preshared_key: must be 64 hex digits"),
                Arguments.of(lines("set=1", a, "endpoint=192.0.2.1:1", "endpoint=192.0.2.1:2"), "line 4 (\"endpoint=192.0.2.1:2\"): duplicate endpoint for one peer"),
                Arguments.of(lines("set=1", a, "endpoint=fd00::1:51820"), "endpoint: an IPv6 endpoint must be written [address]:port"),
                Arguments.of(lines("set=1", a, "endpoint=192.0.2.1"), "endpoint: expected address:port"),
                Arguments.of(lines("set=1", a, "endpoint=192.0.2.1:0"), "endpoint: port must be 1..65535"),
                Arguments.of(lines("set=1", a, "endpoint=192.0.2.1:70000"), "endpoint: out of range 0..65535"),
                Arguments.of(lines("set=1", a, "endpoint=[192.0.2.1]:5"), "endpoint: only IPv6 addresses go in brackets"),
                Arguments.of(lines("set=1", a, "endpoint=[fd00::1]51820"), "endpoint: expected [IPv6]:port"),
                Arguments.of(lines("set=1", a, "endpoint=example.com:51820"), "endpoint: address: not an IP address: \"example.com\""),
                Arguments.of(lines("set=1", a, "endpoint=[fe80::1%nosuchif9]:1"), "endpoint: unknown zone \"nosuchif9\""),
                Arguments.of(lines("set=1", a, "endpoint=192.0.2.1%1:1"), "endpoint: a zone (%…) needs an IPv6 address"),
                Arguments.of(lines("set=1", a, "persistent_keepalive_interval=65536"), "persistent_keepalive_interval: out of range 0..65535"),
                Arguments.of(lines("set=1", a, "allowed_ip=10.0.0.0"), "line 3 (\"allowed_ip=10.0.0.0\"): allowed_ip: expected address/prefix-length"),
                Arguments.of(lines("set=1", a, "allowed_ip=10.0.0.0/33"), "allowed_ip: out of range 0..32"),
                Arguments.of(lines("set=1", a, "allowed_ip=fd00::/129"), "allowed_ip: out of range 0..128"),
                Arguments.of(lines("set=1", a, "allowed_ip=10.0.0.0/x"), "allowed_ip: not a number in 0..32"),
                Arguments.of(lines("set=1", a, "allowed_ip=10.0.0/8"), "allowed_ip: address: not an IP address: \"10.0.0\""),
                Arguments.of(lines("set=1", a, "allowed_ip=10.0.0.1/32", "replace_allowed_ips=true"),
                        "line 4 (\"replace_allowed_ips=true\"): replace_allowed_ips after allowed_ip lines would discard them"),
                Arguments.of(lines("set=1", a, "replace_allowed_ips=TRUE"), "replace_allowed_ips: the only valid value is true"),
                Arguments.of(lines("set=1", a, "protocol_version=2"), "protocol_version: unsupported version, only 1 exists"),
                Arguments.of(lines("set=1", a, "last_handshake_time_sec=1"), "line 3 (\"last_handshake_time_sec=1\"): last_handshake_time_sec is not valid in a set request (it is only reported by get)"),
                Arguments.of(lines("set=1", a, "last_handshake_time_nsec=1"), "last_handshake_time_nsec is not valid in a set request"),
                Arguments.of(lines("set=1", a, "rx_bytes=1"), "rx_bytes is not valid in a set request"),
                Arguments.of(lines("set=1", a, "tx_bytes=1"), "tx_bytes is not valid in a set request"),
                Arguments.of(lines("set=1", "listen_port=1\u0000"), "line 2 (\"listen_port=1?\"): listen_port: not a number"));
    }

    @ParameterizedTest
    @MethodSource
    void malformedRequests(List<String> lines, String message) {
        assertThatThrownBy(() -> UapiCodec.parseRequest(lines))
                .isInstanceOf(UapiFormatException.class)
                .hasMessageContaining(message);
    }

    static Stream<Arguments> malformedGetResponses() {
        String a = "public_key=" + hex(PEER_A);
        return Stream.of(
                Arguments.of(lines(), "malformed UAPI get response: empty message, expected errno=N"),
                Arguments.of(lines("listen_port=1"), "line 1 (\"listen_port=1\"): expected errno=N as the last line"),
                Arguments.of(lines("errno=0", "listen_port=1"), "line 1 (\"errno=0\"): errno must be the last line"),
                Arguments.of(lines("errno=zero"), "line 1 (\"errno=zero\"): errno not a number"),
                Arguments.of(lines("errno="), "errno not a number"),
                Arguments.of(lines("replace_peers=true", "errno=0"), "line 1 (\"replace_peers=true\"): replace_peers is not valid in a get response (it may only be set)"),
                Arguments.of(lines(a, "remove=true", "errno=0"), "remove is not valid in a get response"),
                Arguments.of(lines(a, "update_only=true", "errno=0"), "update_only is not valid in a get response"),
                Arguments.of(lines(a, "replace_allowed_ips=true", "errno=0"), "replace_allowed_ips is not valid in a get response"),
                Arguments.of(lines(a, "listen_port=1", "errno=0"), "line 2 (\"listen_port=1\"): device key listen_port after a peer section"),
                Arguments.of(lines("rx_bytes=1", "errno=0"), "rx_bytes before any public_key"),
                Arguments.of(lines(a, "last_handshake_time_nsec=1000000000", "errno=0"), "last_handshake_time_nsec: out of range 0..999999999"),
                Arguments.of(lines(a, "last_handshake_time_sec=-1", "errno=0"), "last_handshake_time_sec: not a number"),
                Arguments.of(lines(a, "rx_bytes=99999999999999999999", "errno=0"), "rx_bytes: not a number in 0..9223372036854775807"),
                Arguments.of(lines(a, "tx_bytes=9223372036854775808", "errno=0"), "tx_bytes: out of range 0..9223372036854775807"),
                Arguments.of(lines(a, "tx_bytes=1", "tx_bytes=2", "errno=0"), "line 3 (\"tx_bytes=2\"): duplicate tx_bytes for one peer"),
                Arguments.of(lines("HTTP/1.1 200 OK", "errno=0"), "line 1 (\"HTTP/1.1 200 OK\"): expected key=value"));
    }

    @ParameterizedTest
    @MethodSource
    void malformedGetResponses(List<String> lines, String message) {
        assertThatThrownBy(() -> UapiCodec.parseGetResponse(lines))
                .isInstanceOf(UapiFormatException.class)
                .hasMessageContaining(message);
    }

    @Test
    void malformedSetResponses() {
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(lines()))
                .isInstanceOf(UapiFormatException.class).hasMessage("malformed UAPI set response: empty message, expected errno=N");
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(lines("listen_port=1", "errno=0")))
                .isInstanceOf(UapiFormatException.class)
                .hasMessage("malformed UAPI set response: line 1 (\"listen_port=1\"): expected only errno=N, got 2 lines");
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(lines("ok")))
                .isInstanceOf(UapiFormatException.class)
                .hasMessage("malformed UAPI set response: line 1 (\"ok\"): expected errno=N as the last line");
        assertThatThrownBy(() -> UapiCodec.parseSetResponse(lines("errno=1.5")))
                .isInstanceOf(UapiFormatException.class).hasMessageContaining("errno not a number");
    }

    @Test
    void errorsNeverQuoteSecretValues() {
        String secret = hex(PRIVATE).substring(0, 63) + "x";
        for (List<String> message : List.of(lines("set=1", "private_key=" + secret),
                lines("set=1", "public_key=" + hex(PEER_A), "preshared_key=" + secret),
                lines("private_key=" + secret, "errno=0"))) {
            assertThatThrownBy(() -> {
                if (message.getFirst().equals("set=1")) {
                    UapiCodec.parseRequest(message);
                } else {
                    UapiCodec.parseGetResponse(message);
                }
            }).isInstanceOf(UapiFormatException.class).message().doesNotContain(secret.substring(0, 16)).contains("<redacted>");
        }
        assertThat(everySetKey().toString()).doesNotContain(hex(PRIVATE)).doesNotContain(hex(PSK)).contains("<redacted>");
        assertThat(everySetKey().summary()).doesNotContain(hex(PSK))
                .startsWith("set private key, listen port 51820, fwmark 4294967295, replace all peers, set peer ");
    }

    @Test
    void parseErrorsCarryTheErrnoAServerAnswersWith() {
        assertThatThrownBy(() -> UapiCodec.parseRequest(lines("set=1", "listen_port=x")))
                .extracting(e -> ((UapiFormatException) e).errno()).isEqualTo(UapiErrno.EINVAL);
        assertThatThrownBy(() -> UapiCodec.parseRequest(lines("frobnicate=1")))
                .extracting(e -> ((UapiFormatException) e).errno()).isEqualTo(UapiErrno.EPROTO);
    }

    @Test
    void recordsRejectImpossibleValues() {
        assertThatThrownBy(() -> new PeerUpdate(new byte[31], false, false, null, null, null, false, List.of(), null))
                .hasMessage("public key must be 32 bytes, got 31");
        assertThatThrownBy(() -> new PeerUpdate(PEER_A, false, false, null, InetSocketAddress.createUnresolved("example.com", 1),
                null, false, List.of(), null)).hasMessageContaining("not resolved");
        assertThatThrownBy(() -> new PeerUpdate(PEER_A, false, false, null, null, 70000, false, List.of(), null))
                .hasMessageContaining("0..65535");
        assertThatThrownBy(() -> new PeerUpdate(PEER_A, false, false, null, null, null, false, List.of(), 2))
                .hasMessageContaining("protocol version must be 1");
        assertThatThrownBy(() -> new DeviceUpdate(null, 65536, null, false, List.of())).hasMessageContaining("listen port");
        assertThatThrownBy(() -> new DeviceUpdate(null, null, -1L, false, List.of())).hasMessageContaining("fwmark");
        assertThatThrownBy(() -> new DeviceStatus(null, 0, 1L << 32, List.of())).hasMessageContaining("fwmark");
        assertThatThrownBy(() -> new PeerStatus(PEER_A, null, null, null, -1, 0, 0, List.of(), 1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> new IpPrefix(InetAddress.ofLiteral("10.0.0.0"), 33)).hasMessageContaining("0..32");
    }

    // ---- framing ----

    @Test
    void readerFramesConsecutiveMessagesAndEndsCleanly() throws IOException {
        UapiReader reader = new UapiReader(new ByteArrayInputStream("get=1\n\nset=1\nlisten_port=1\n\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(reader.next()).contains(List.of("get=1"));
        assertThat(reader.next()).contains(List.of("set=1", "listen_port=1"));
        assertThat(reader.next()).isEmpty();
        assertThat(new UapiReader(new ByteArrayInputStream(new byte[0])).next()).isEmpty();
    }

    @Test
    void readerLinesMayBeLongerThanItsInitialBuffer() throws IOException {
        List<String> many = new ArrayList<>();
        many.add("set=1");
        String longLine = "allowed_ip=" + "1".repeat(1000);
        many.add(longLine);
        assertThat(frame(String.join("\n", many) + "\n\n")).containsExactlyElementsOf(many);
    }

    @Test
    void readerRejectsTruncatedInput() {
        for (String input : List.of("errno=0\n", "errno=0", "listen_port=1\nerrno=")) {
            assertThatThrownBy(() -> new UapiReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII))).next())
                    .isInstanceOf(UapiFormatException.class)
                    .hasMessageStartingWith("truncated UAPI message: the stream ended after " + input.length() + " bytes")
                    .extracting(e -> ((UapiFormatException) e).errno()).isEqualTo(UapiErrno.EPROTO);
        }
        assertThatThrownBy(() -> new UapiReader(new ByteArrayInputStream(new byte[0])).require())
                .isInstanceOf(UapiFormatException.class).hasMessage("truncated UAPI message: the stream ended before any reply");
    }

    @Test
    void readerBoundsTheMessageSize() {
        byte[] big = ("set=1\n" + "listen_port=1\n".repeat(100) + "\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> new UapiReader(new ByteArrayInputStream(big), 1000).next())
                .isInstanceOf(UapiFormatException.class).hasMessage("UAPI message exceeds 1000 bytes");
        byte[] noNewline = "x".repeat(5000).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> new UapiReader(new ByteArrayInputStream(noNewline), 1000).next())
                .isInstanceOf(UapiFormatException.class).hasMessage("UAPI message exceeds 1000 bytes");
    }
}
