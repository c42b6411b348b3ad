package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.testing.Privileged;
import dev.plexd.testing.WireGuardGo;
import dev.plexd.wireguard.WireGuardFixtures.KeyPair;
import dev.plexd.wireguard.uapi.DeviceStatus;
import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.IpLiterals;
import dev.plexd.wireguard.uapi.IpPrefix;
import dev.plexd.wireguard.uapi.PeerStatus;
import dev.plexd.wireguard.uapi.PeerUpdate;
import dev.plexd.wireguard.uapi.UapiClient;
import dev.plexd.wireguard.uapi.UapiCodec;
import dev.plexd.wireguard.uapi.UapiErrno;
import dev.plexd.wireguard.uapi.UapiFormatException;
import dev.plexd.wireguard.uapi.UapiReader;
import dev.plexd.wireguard.uapi.UapiRequest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The codec against the reference implementations: as a server, {@code wg} (the C client) reads
 * its get answers and its set requests are parsed; as a client, wireguard-go accepts every key.
 */
@Privileged(tools = {"wireguard-go", "wg"})
class UapiInteropTest {

    /** A minimal UAPI server built on the codec, as plexd's data plane serves one. */
    private static final class CodecServer implements AutoCloseable {
        final List<UapiRequest> requests = new CopyOnWriteArrayList<>();
        final ServerSocketChannel channel;
        final Path socket;
        final Thread acceptor;

        CodecServer(Path socket, DeviceStatus status) throws IOException {
            this.socket = socket;
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
            acceptor = Thread.ofVirtual().start(() -> {
                while (channel.isOpen()) {
                    try (SocketChannel client = channel.accept()) {
                        serve(client, status);
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
        }

        private void serve(SocketChannel client, DeviceStatus status) throws IOException {
            InputStream in = Channels.newInputStream(client);
            UapiReader reader = new UapiReader(in);
            for (Optional<List<String>> message; (message = reader.next()).isPresent(); ) {
                String reply;
                try {
                    UapiRequest request = UapiCodec.parseRequest(message.get());
                    requests.add(request);
                    reply = switch (request) {
                        case UapiRequest.Get _ -> UapiCodec.encodeGetResponse(status);
                        // port 7 stands for a port in use, to see how wg reports a server's errno
                        case DeviceUpdate update -> UapiCodec.encodeErrno(
                                Integer.valueOf(7).equals(update.listenPort()) ? UapiErrno.EADDRINUSE : 0);
                    };
                } catch (UapiFormatException e) {
                    reply = UapiCodec.encodeErrno(e.errno());
                }
                client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void wgReadsTheCodecsGetAnswersAndItsSetRequestsParse() throws Exception {
        String iface = "pxws" + WireGuardFixtures.uniqueSuffix();
        KeyPair device = WireGuardFixtures.keyPair();
        KeyPair peerA = WireGuardFixtures.keyPair();
        KeyPair peerB = WireGuardFixtures.keyPair();
        byte[] psk = WireGuardFixtures.presharedKey();
        DeviceStatus status = new DeviceStatus(device.privateKey(), 51820, 0x20, List.of(
                new PeerStatus(peerA.publicKey(), psk, IpLiterals.parseEndpoint("[fd00::2]:51821"), Instant.ofEpochSecond(1_700_000_000L, 5),
                        1234, 5678, 25, List.of(IpPrefix.parse("10.100.0.2/32"), IpPrefix.parse("fd00:100::/64")), 1),
                new PeerStatus(peerB.publicKey(), null, null, null, 0, 0, 0, List.of(), 1)));

        try (CodecServer server = new CodecServer(WireGuardFixtures.SOCKETS.resolve(iface + ".sock"), status)) {
            Exec wg = Exec.host();
            assertThat(wg.run("wg", "show", iface, "dump").orThrow().stdout().lines().toList()).containsExactly(
                    String.join("\t", device.privateBase64(), device.publicBase64(), "51820", "0x20"),
                    String.join("\t", peerA.publicBase64(), WireGuardKeys.encode(psk), "[fd00::2]:51821", "10.100.0.2/32,fd00:100::/64",
                            "1700000000", "1234", "5678", "25"),
                    String.join("\t", peerB.publicBase64(), "(none)", "(none)", "(none)", "0", "0", "0", "off"));

            wg.runWithInput(device.privateBase64() + "\n", "wg", "set", iface, "private-key", "/dev/stdin", "listen-port", "51999",
                    "fwmark", "48", "peer", peerA.publicBase64(), "endpoint", "192.0.2.9:1234", "persistent-keepalive", "15",
                    "allowed-ips", "10.1.0.0/16,fd00:9::/64", "peer", peerB.publicBase64(), "remove").orThrow();
            wg.runWithInput("[Interface]\nListenPort = 1\n[Peer]\nPublicKey = " + peerA.publicBase64() + "\nAllowedIPs = 10.2.0.0/16\n",
                    "wg", "setconf", iface, "/dev/stdin").orThrow();

            Exec.Result rejected = wg.run("wg", "set", iface, "listen-port", "7");
            assertThat(rejected.ok()).isFalse();
            assertThat(rejected.stderr()).as("wg reads the codec's errno").contains("Address already in use");

            List<UapiRequest> sets = server.requests.stream().filter(r -> r instanceof DeviceUpdate update
                    && !Integer.valueOf(7).equals(update.listenPort())).toList();
            assertThat(sets).containsExactly(
                    new DeviceUpdate(device.privateKey(), 51999, 48L, false, List.of(
                            new PeerUpdate(peerA.publicKey(), false, false, null, IpLiterals.parseEndpoint("192.0.2.9:1234"), 15, true,
                                    List.of(IpPrefix.parse("10.1.0.0/16"), IpPrefix.parse("fd00:9::/64")), null),
                            PeerUpdate.removal(peerB.publicKey()))),
                    // setconf replaces everything: no private key in the file means the zero key, fwmark 0.
                    new DeviceUpdate(new byte[32], 1, 0L, true, List.of(
                            new PeerUpdate(peerA.publicKey(), false, false, null, null, null, true, List.of(IpPrefix.parse("10.2.0.0/16")), null))));
        }
    }

    @Test
    void wireguardGoAcceptsEveryKeyTheCodecWrites() throws Exception {
        String iface = "pxwi" + WireGuardFixtures.uniqueSuffix();
        Process wireguardGo = null;
        try (NetNs ns = NetNs.create("wg")) {
            wireguardGo = WireGuardGo.start(ns, iface);
            UapiClient client = new UapiClient(WireGuardFixtures.SOCKETS, Duration.ofSeconds(5));
            KeyPair device = WireGuardFixtures.keyPair();
            KeyPair peer = WireGuardFixtures.keyPair();
            KeyPair absent = WireGuardFixtures.keyPair();
            byte[] psk = WireGuardFixtures.presharedKey();

            client.set(iface, new DeviceUpdate(device.privateKey(), 51840, 0x77L, true, List.of(
                    new PeerUpdate(peer.publicKey(), false, false, psk, IpLiterals.parseEndpoint("[fd00::7]:51841"), 30, true,
                            List.of(IpPrefix.parse("10.100.7.0/24"), IpPrefix.parse("fd00:7::/64")), 1),
                    new PeerUpdate(absent.publicKey(), false, true, null, null, 10, false, List.of(), null))));

            DeviceStatus status = client.get(iface);
            assertThat(status.privateKey()).isEqualTo(device.privateKey());
            assertThat(status.listenPort()).isEqualTo(51840);
            assertThat(status.fwmark()).isEqualTo(0x77);
            assertThat(status.peers()).as("update_only did not create the absent peer").hasSize(1);
            PeerStatus reported = status.peers().getFirst();
            assertThat(reported.publicKey()).isEqualTo(peer.publicKey());
            assertThat(reported.presharedKey()).isEqualTo(psk);
            assertThat(IpLiterals.formatEndpoint(reported.endpoint())).isEqualTo("[fd00::7]:51841");
            assertThat(reported.persistentKeepaliveInterval()).isEqualTo(30);
            assertThat(reported.allowedIps()).extracting(IpPrefix::toString).containsExactly("10.100.7.0/24", "fd00:7::/64");
            assertThat(reported.protocolVersion()).isEqualTo(1);

            // Zero keys remove the private and preshared keys; fwmark 0 clears the mark.
            client.set(iface, new DeviceUpdate(new byte[32], null, 0L, false, List.of(
                    new PeerUpdate(peer.publicKey(), false, true, new byte[32], null, null, false, List.of(), null))));
            DeviceStatus cleared = client.get(iface);
            assertThat(cleared.privateKey()).isNull();
            assertThat(cleared.fwmark()).isZero();
            assertThat(cleared.peers().getFirst().presharedKey()).isNull();

            client.set(iface, DeviceUpdate.ofPeers(PeerUpdate.removal(peer.publicKey())));
            assertThat(client.get(iface).peers()).isEmpty();
        } finally {
            WireGuardGo.stop(wireguardGo, iface);
        }
    }
}
