package dev.plexd.tunnel.uapi;

import dev.plexd.wireguard.uapi.DeviceUpdate;
import dev.plexd.wireguard.uapi.UapiCodec;
import dev.plexd.wireguard.uapi.UapiErrnoException;
import dev.plexd.wireguard.uapi.UapiFormatException;
import dev.plexd.wireguard.uapi.UapiReader;
import dev.plexd.wireguard.uapi.UapiRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * The UAPI socket of a plexd interface, {@code <dir>/<iface>.sock} (mode 0600), speaking the
 * cross-platform protocol so {@code wg show}/{@code wg set} and plexd's own
 * {@code UapiController} work against it. Parsing and writing are the shared
 * {@link UapiCodec}'s; a malformed request gets its errno (negative on the wire) and the
 * connection closes, a good one changes the device through {@link DeviceConfig}.
 */
public final class UapiServer implements AutoCloseable {

    public static final Path DEFAULT_DIRECTORY = Path.of("/var/run/wireguard");
    private static final Logger log = LoggerFactory.getLogger(UapiServer.class);
    /** A get of a few thousand peers fits; a client cannot make us buffer more than this. */
    private static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;

    private final String iface;
    private final Path path;
    private final DeviceConfig config;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private volatile boolean closed;

    private UapiServer(String iface, Path path, DeviceConfig config, ServerSocketChannel server) {
        this.iface = iface;
        this.path = path;
        this.config = config;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon(true).name(iface + "-uapi").start(this::acceptLoop);
    }

    /**
     * Listens on {@code directory/<iface>.sock}. The socket is bound under a temporary name,
     * made 0600 and then renamed into place, so it is never reachable with wider permissions. A
     * stale socket of a previous run is replaced; one somebody still serves is an error.
     */
    public static UapiServer start(Path directory, String iface, DeviceConfig config) throws IOException {
        Files.createDirectories(directory);
        Path path = directory.resolve(iface + ".sock");
        if (accepting(path)) {
            throw new IOException("UAPI socket " + path + " is served by another WireGuard implementation");
        }
        Files.deleteIfExists(path); // stale: nobody accepts on it
        Path temporary = directory.resolve("." + iface + ".sock." + ProcessHandle.current().pid());
        Files.deleteIfExists(temporary);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(temporary));
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(temporary);
            throw e;
        }
        log.atInfo().addKeyValue("interface", iface).addKeyValue("socket", path.toString()).log("UAPI socket listening");
        return new UapiServer(iface, path, config, server);
    }

    private static boolean accepting(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                // A platform thread inherits this one's network namespace (a virtual thread's carrier
                // need not): a set that rebinds the UDP port must open the socket in the device's.
                Thread.ofPlatform().daemon(true).name(iface + "-uapi-client").start(() -> serve(client));
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.atWarn().setCause(e).addKeyValue("interface", iface).log("UAPI accept failed");
                }
                return;
            }
        }
    }

    /** Answers requests on one connection until the client closes it or sends garbage. */
    private void serve(SocketChannel client) {
        try (client; InputStream in = Channels.newInputStream(client); OutputStream out = Channels.newOutputStream(client)) {
            UapiReader reader = new UapiReader(in, MAX_REQUEST_BYTES);
            while (true) {
                String answer;
                boolean keepOpen = true;
                try {
                    Optional<List<String>> message = reader.next();
                    if (message.isEmpty()) {
                        return;
                    }
                    answer = answer(UapiCodec.parseRequest(message.get()));
                } catch (UapiFormatException e) {
                    log.atWarn().addKeyValue("interface", iface).addKeyValue("error", e.getMessage()).log("bad UAPI request");
                    answer = UapiCodec.encodeErrno(e.errno());
                    keepOpen = false;
                }
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (!keepOpen) {
                    return;
                }
            }
        } catch (IOException e) {
            log.atDebug().setCause(e).addKeyValue("interface", iface).log("UAPI connection ended");
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("interface", iface).log("UAPI request failed");
        }
    }

    private String answer(UapiRequest request) {
        return switch (request) {
            case UapiRequest.Get _ -> UapiCodec.encodeGetResponse(config.status());
            case DeviceUpdate update -> {
                try {
                    config.apply(update);
                    log.atInfo().addKeyValue("interface", iface).addKeyValue("change", update.summary()).log("UAPI set applied");
                    yield UapiCodec.encodeErrno(0);
                } catch (UapiErrnoException e) {
                    log.atWarn().addKeyValue("interface", iface).addKeyValue("change", update.summary())
                            .addKeyValue("error", e.getMessage()).log("UAPI set rejected");
                    yield UapiCodec.encodeErrno(e.errno());
                }
            }
        };
    }

    /** Stops accepting and removes the socket file. */
    @Override
    public void close() throws IOException {
        closed = true;
        try {
            server.close();
            acceptor.join(java.time.Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
