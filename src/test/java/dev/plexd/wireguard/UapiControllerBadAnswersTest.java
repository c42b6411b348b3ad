package dev.plexd.wireguard;

import dev.plexd.testing.LogCapture;
import dev.plexd.sys.Exec;
import dev.plexd.wireguard.uapi.UapiErrnoException;
import dev.plexd.wireguard.uapi.UapiFormatException;
import dev.plexd.wireguard.uapi.UapiReader;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A UAPI server that misbehaves on purpose (a scripted protocol peer on a unix socket in a temp
 * directory): every bad answer must become a clear error naming the interface and the peer.
 */
class UapiControllerBadAnswersTest {

    private static final String IFACE = "pxwbad0";
    private static final byte[] PEER = filled(0x21);
    private static final byte[] PSK = filled(0x42);
    private static final String PEER_B64 = WireGuardKeys.encode(PEER);

    @TempDir
    Path dir;
    private UapiController controller;
    private ServerSocketChannel server;
    private CompletableFuture<List<String>> received;

    static byte[] filled(int value) {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) value);
        return key;
    }

    @BeforeEach
    void setUp() {
        // Generous: a loaded machine may take longer than a short timeout to answer. Only
        // noReplyTimesOut, which expects no answer, uses a short one.
        controller = controller(Duration.ofSeconds(10));
    }

    private UapiController controller(Duration timeout) {
        return new UapiController(Exec.host(),
                UapiController.Settings.defaults().attached().withSocketDirectory(dir).withTimeout(timeout));
    }

    @AfterEach
    void tearDown() throws IOException {
        controller.close();
        if (server != null) {
            server.close();
        }
    }

    /** Serves one connection: reads the request, then writes {@code reply} (null: never answers). */
    private void serveOnce(String reply) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(dir.resolve(IFACE + ".sock")));
        received = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (SocketChannel client = server.accept()) {
                List<String> request = new UapiReader(Channels.newInputStream(client)).require();
                if (reply == null) {
                    Thread.sleep(2000);
                } else {
                    client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                }
                received.complete(request);
            } catch (Exception e) {
                received.completeExceptionally(e);
            }
        });
    }

    private PeerConfig peer() {
        return new PeerConfig(PEER, "192.0.2.2:51820", List.of("10.100.0.2/32"), PSK, 25);
    }

    @Test
    void errnoFromTheImplementationNamesInterfacePeerAndWhatWasSet() throws Exception {
        serveOnce("errno=1\n\n");
        assertThatThrownBy(() -> controller.addPeer(IFACE, peer()))
                .isInstanceOf(UapiErrnoException.class)
                .hasMessage("wireguard: pxwbad0: set peer " + PEER_B64 + " (preshared key, endpoint 192.0.2.2:51820, keepalive 25, "
                        + "allowed IPs [10.100.0.2/32]): rejected with UAPI errno=1 (EPERM)")
                .extracting(e -> ((UapiErrnoException) e).errno()).isEqualTo(1);
        // What went over the socket is the whole peer, the preshared key included (never in the message).
        assertThat(received.get(5, TimeUnit.SECONDS)).containsExactly("set=1", "public_key=" + HexFormat.of().formatHex(PEER),
                "preshared_key=" + HexFormat.of().formatHex(PSK), "endpoint=192.0.2.2:51820", "persistent_keepalive_interval=25",
                "replace_allowed_ips=true", "allowed_ip=10.100.0.2/32");
    }

    @Test
    void errnoOnRemoveAndOnGet() throws Exception {
        serveOnce("errno=22\n\n");
        assertThatThrownBy(() -> controller.removePeer(IFACE, PEER))
                .isInstanceOf(UapiErrnoException.class)
                .hasMessage("wireguard: pxwbad0: remove peer " + PEER_B64 + ": rejected with UAPI errno=22 (EINVAL)");
        server.close();
        Files.delete(dir.resolve(IFACE + ".sock"));
        serveOnce("errno=19\n\n");
        assertThatThrownBy(() -> controller.deviceStatus(IFACE))
                .isInstanceOf(UapiErrnoException.class)
                .hasMessage("wireguard: pxwbad0: get device status: rejected with UAPI errno=19 (ENODEV)");
    }

    @Test
    void truncatedReply() throws Exception {
        serveOnce("errno=0\n");
        assertThatThrownBy(() -> controller.addPeer(IFACE, peer()))
                .isInstanceOf(UapiFormatException.class)
                .hasMessageStartingWith("wireguard: pxwbad0: set peer " + PEER_B64)
                .hasMessageContaining(": bad reply: truncated UAPI message: the stream ended after 8 bytes (1 complete lines)");
    }

    @Test
    void truncatedStatusReply() throws Exception {
        serveOnce("private_key=" + "ab".repeat(32) + "\nlisten_port=51820\n");
        assertThatThrownBy(() -> controller.deviceStatus(IFACE))
                .isInstanceOf(UapiFormatException.class)
                .hasMessageStartingWith("wireguard: pxwbad0: get device status: bad reply: truncated UAPI message");
    }

    @Test
    void garbageReply() throws Exception {
        serveOnce("HTTP/1.1 400 Bad Request\n\n");
        assertThatThrownBy(() -> controller.addPeer(IFACE, peer()))
                .isInstanceOf(UapiFormatException.class)
                .hasMessageStartingWith("wireguard: pxwbad0: set peer " + PEER_B64)
                .hasMessageEndingWith(": bad reply: malformed UAPI set response: line 1 (\"HTTP/1.1 400 Bad Request\"): "
                        + "expected errno=N as the last line");
    }

    @Test
    void garbageStatusNeverEchoesKeys() throws Exception {
        String secret = "cd".repeat(31) + "zz";
        serveOnce("private_key=" + secret + "\nerrno=0\n\n");
        assertThatThrownBy(() -> controller.deviceStatus(IFACE))
                .isInstanceOf(UapiFormatException.class)
                .hasMessage("wireguard: pxwbad0: get device status: bad reply: malformed UAPI get response: line 1 "
                        + "(private_key=<redacted>): private_key: must be 64 hex digits");
    }

    @Test
    void noReplyTimesOut() throws Exception {
        controller.close();
        controller = controller(Duration.ofMillis(300));
        serveOnce(null);
        long start = System.nanoTime();
        assertThatThrownBy(() -> controller.addPeer(IFACE, peer()))
                .isInstanceOf(IOException.class)
                .hasMessage("wireguard: pxwbad0: set peer " + PEER_B64 + " (preshared key, endpoint 192.0.2.2:51820, keepalive 25, "
                        + "allowed IPs [10.100.0.2/32]): no complete UAPI reply within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void missingSocket() {
        assertThatThrownBy(() -> controller.addPeer(IFACE, peer()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("wireguard: pxwbad0: set peer " + PEER_B64)
                .hasMessageEndingWith(": UAPI socket " + dir.resolve("pxwbad0.sock") + " does not exist (no WireGuard implementation serves pxwbad0)");
        assertThatThrownBy(() -> controller.deviceStatus(IFACE))
                .hasMessage("wireguard: pxwbad0: get device status: UAPI socket " + dir.resolve("pxwbad0.sock")
                        + " does not exist (no WireGuard implementation serves pxwbad0)");
    }

    @Test
    void staleSocket() throws Exception {
        // Bound and closed with no accept loop (one racing the close could take the connection): the
        // file stays and nobody listens, which is what a killed implementation leaves behind.
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(dir.resolve(IFACE + ".sock"))).close();
        assertThat(dir.resolve(IFACE + ".sock")).exists();
        assertThatThrownBy(() -> controller.removePeer(IFACE, PEER))
                .hasMessage("wireguard: pxwbad0: remove peer " + PEER_B64 + ": nothing accepts connections on UAPI socket "
                        + dir.resolve("pxwbad0.sock") + " (stale socket of a WireGuard implementation that is gone?)");
    }

    @Test
    void implementationThatDiesAtStartIsAClearErrorAndItsOutputIsLoggedStructured() {
        LogCapture events = LogCapture.of(SupervisedProcess.class);
        try {
            UapiController launching = new UapiController(Exec.host(), UapiController.Settings.defaults().withSocketDirectory(dir)
                    .withCommand(List.of("sh", "-c", "echo 'ERROR: ('$0') 2022/03/16 12:00:00 Failed to create TUN device: no such file' >&2; exit 3")));
            assertThatThrownBy(() -> launching.createInterface(IFACE, filled(1), 51820))
                    .hasMessage("wireguard: pxwbad0: start sh: exited with 3 before serving " + dir.resolve("pxwbad0.sock")
                            + "; its output: ERROR: (pxwbad0) 2022/03/16 12:00:00 Failed to create TUN device: no such file");
            assertThat(launching.processId(IFACE)).isEmpty();
        } finally {
            events.close();
        }
        ILoggingEvent output = events.events().stream().filter(e -> e.getFormattedMessage().startsWith("Failed")).findFirst().orElseThrow();
        assertThat(output.getLevel()).isEqualTo(Level.WARN);
        assertThat(output.getFormattedMessage()).isEqualTo("Failed to create TUN device: no such file");
        assertThat(output.getKeyValuePairs()).extracting(kv -> kv.key).containsExactly("interface", "pid", "program");
        assertThat(output.getKeyValuePairs()).extracting(kv -> String.valueOf(kv.value)).contains("pxwbad0", "sh");
    }

    @Test
    void badArgumentsAreRejectedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> controller.addPeer(IFACE, new PeerConfig(PEER, "nonexistent.invalid:51820", List.of(), null, 0)))
                .hasMessageStartingWith("wireguard: pxwbad0: set peer " + PEER_B64 + ": endpoint \"nonexistent.invalid:51820\": cannot resolve host");
        assertThatThrownBy(() -> controller.addPeer(IFACE, new PeerConfig(PEER, "192.0.2.2:0", List.of(), null, 0)))
                .hasMessage("wireguard: pxwbad0: set peer " + PEER_B64 + ": endpoint \"192.0.2.2:0\": port must be 1..65535");
        assertThatThrownBy(() -> controller.setMtu(IFACE, 100)).hasMessage("wireguard: pxwbad0: set MTU: 100 is outside 1280..65535");
        assertThatThrownBy(() -> controller.configureAddress(IFACE, "10.100.0.1/33"))
                .hasMessage("wireguard: pxwbad0: configure address: address: prefix length out of range in \"10.100.0.1/33\"");
        assertThatThrownBy(() -> controller.addPeer("../../etc/x", peer())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("may only contain");
    }
}
