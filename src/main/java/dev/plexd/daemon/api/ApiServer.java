package dev.plexd.daemon.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The local API's HTTP/1.1 server over the JDK's {@link ServerSocketChannel}, serving a unix
 * socket and optionally a loopback TCP port with the same routes. (The JDK's {@code HttpServer}
 * cannot bind unix sockets.)
 *
 * <p>One request per connection. Each connection runs on its own virtual thread under a hard
 * deadline that closes the channel, the number of connections is capped (beyond it, clients wait
 * in the listen backlog), and heads and bodies are bounded, so a slow, stuck or hostile client
 * costs a little memory and never blocks the daemon.
 * The unix socket is protected by its file mode (0660, in a 0750 directory); TCP clients must
 * send {@code Authorization: Bearer <token>}.
 */
public final class ApiServer implements AutoCloseable {

    public record Limits(int maxConnections, Duration connectionTimeout, int maxHeadBytes, int maxBodyBytes) {
        public static final Limits DEFAULT = new Limits(64, Duration.ofSeconds(10), 16 * 1024, 64 * 1024);
    }

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final Function<HttpRequest, HttpResponse> handler;
    private final Limits limits;
    private final Semaphore connections;
    private final List<ServerSocketChannel> listeners = new CopyOnWriteArrayList<>();
    private final List<Path> socketFiles = new CopyOnWriteArrayList<>();
    private final List<Thread> acceptors = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public ApiServer(Function<HttpRequest, HttpResponse> handler, Limits limits) {
        this.handler = handler;
        this.limits = limits;
        this.connections = new Semaphore(limits.maxConnections());
    }

    /**
     * Serves on a unix socket. The directory is created 0750 when missing; a socket file left by
     * a killed daemon is replaced, but one that still answers means another plexd is running.
     */
    public void listenUnix(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        }
        if (Files.exists(socket)) {
            if (answers(socket)) {
                throw new IOException("api.socket " + socket + ": another process is serving it (is plexd already running?)");
            }
            Files.delete(socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), limits.maxConnections());
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            server.close();
            throw new IOException("api.socket " + socket + ": cannot listen: " + e.getMessage(), e);
        }
        socketFiles.add(socket);
        start(server, "unix:" + socket, null);
    }

    /**
     * Serves on a TCP address (port 0 picks a free port) where every request must carry the token.
     *
     * @return the bound address
     */
    public InetSocketAddress listenTcp(InetSocketAddress address, String bearerToken) throws IOException {
        if (bearerToken == null || bearerToken.isEmpty()) {
            throw new IllegalArgumentException("a TCP listener needs a bearer token");
        }
        ProtocolFamily family = address.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        ServerSocketChannel server = ServerSocketChannel.open(family);
        try {
            server.bind(address, limits.maxConnections());
        } catch (IOException e) {
            server.close();
            throw new IOException("api.tcp_listen " + address + ": cannot listen: " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
        start(server, "tcp:" + bound, bearerToken.getBytes(StandardCharsets.UTF_8));
        return bound;
    }

    private void start(ServerSocketChannel server, String name, byte[] token) {
        listeners.add(server);
        acceptors.add(Thread.ofPlatform().name("api-accept-" + name).daemon(true).start(() -> acceptLoop(server, name, token)));
        log.atInfo().addKeyValue("listener", name).addKeyValue("auth", token == null ? "socket permissions" : "bearer token")
                .log("local API listening");
    }

    private void acceptLoop(ServerSocketChannel server, String name, byte[] token) {
        boolean atCap = false;
        while (!closed) {
            // A slot is taken before accepting, so at the cap new clients wait in the listen
            // backlog until one frees (a deadline frees it at the latest) instead of being reset:
            // a client's next request can never race the release of its previous one's slot.
            if (connections.tryAcquire()) {
                atCap = false;
            } else {
                if (!atCap) {
                    log.atWarn().addKeyValue("listener", name).addKeyValue("max_connections", limits.maxConnections())
                            .log("api connections at the cap: new connections wait for a free slot");
                    atCap = true;
                }
                try {
                    connections.acquire();
                } catch (InterruptedException e) {
                    return; // closing
                }
            }
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                connections.release();
                return;
            } catch (IOException e) {
                connections.release();
                log.atWarn().addKeyValue("listener", name).setCause(e).log("api accept failed");
                continue;
            }
            Thread.ofVirtual().name("api-conn").start(() -> {
                try {
                    serve(channel, token);
                } finally {
                    connections.release();
                }
            });
        }
    }

    private void serve(SocketChannel channel, byte[] token) {
        try (channel; AutoCloseable deadline = HttpWire.closeAfter(channel, limits.connectionTimeout())) {
            HttpResponse response;
            String method = "-";
            String path = "-";
            boolean unread = false;
            try {
                HttpWire.Message message = HttpWire.read(channel, limits.maxHeadBytes(), limits.maxBodyBytes(), false);
                HttpRequest request = parse(message);
                method = request.method();
                path = request.path();
                response = token != null && !authorized(request, token)
                        ? HttpResponse.error(401, "missing or wrong bearer token").withHeader("WWW-Authenticate", "Bearer")
                        : handler.apply(request);
            } catch (HttpWire.WireException e) {
                response = HttpResponse.error(e.status, e.getMessage());
                unread = true;
            }
            HttpWire.write(channel, "HTTP/1.1 " + response.status() + " " + HttpResponse.reason(response.status()),
                    headers(response), response.body());
            if (unread) {
                drain(channel);
            }
            log.atDebug().addKeyValue("method", method).addKeyValue("path", path).addKeyValue("status", response.status())
                    .log("api request");
        } catch (ClosedChannelException e) {
            log.atDebug().log("api connection closed (deadline or client)");
        } catch (Exception e) {
            log.atDebug().setCause(e).log("api connection failed");
        }
    }

    /**
     * After answering a request that was not read to its end, closing at once would reset the
     * connection and the client could lose the answer; so half-close and discard what it still
     * sends, bounded by the connection's deadline.
     */
    private void drain(SocketChannel channel) throws IOException {
        channel.shutdownOutput();
        java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(4096);
        long budget = 4L * limits.maxBodyBytes();
        int n;
        while (budget > 0 && (n = channel.read(sink.clear())) >= 0) {
            budget -= n;
        }
    }

    private static Map<String, String> headers(HttpResponse response) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Content-Type", response.contentType());
        headers.put("Cache-Control", "no-store");
        headers.putAll(response.headers());
        return headers;
    }

    private static HttpRequest parse(HttpWire.Message message) throws HttpWire.WireException {
        String[] parts = message.startLine().split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new HttpWire.WireException(400, "malformed request line");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new HttpWire.WireException(400, "unsupported protocol version");
        }
        String target = parts[1];
        if (!target.startsWith("/")) {
            throw new HttpWire.WireException(400, "request target must be a path");
        }
        int q = target.indexOf('?');
        return new HttpRequest(parts[0], q < 0 ? target : target.substring(0, q), q < 0 ? "" : target.substring(q + 1),
                message.headers(), message.body());
    }

    private static boolean authorized(HttpRequest request, byte[] token) {
        String header = request.header("authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token); // constant time
    }

    /** True when something accepts connections on the socket. */
    private static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops accepting, closes the listeners and removes the socket files. Requests in flight finish or hit their deadline. */
    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel listener : listeners) {
            closeQuietly(listener);
        }
        acceptors.forEach(Thread::interrupt); // one may be waiting for a slot rather than in accept
        for (Path socket : socketFiles) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                log.atWarn().addKeyValue("socket", socket.toString()).setCause(e).log("cannot remove api socket");
            }
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
