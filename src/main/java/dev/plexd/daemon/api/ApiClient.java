package dev.plexd.daemon.api;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A client of the local API over its unix socket, for the CLI. */
public final class ApiClient {

    /** The daemon is not running, or not listening where we looked. */
    public static final class NotRunningException extends IOException {
        public NotRunningException(String message) {
            super(message);
        }
    }

    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final int MAX_HEAD = 16 * 1024;
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final Path socket;
    private final Duration timeout;

    public ApiClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Response get(String path) throws IOException {
        return send("GET", path, null);
    }

    /** @param jsonBody null for none */
    public Response send(String method, String path, String jsonBody) throws IOException {
        if (!Files.exists(socket)) {
            throw new NotRunningException("plexd is not running: no API socket at " + socket
                    + " (start it with `plexd up`, or point --socket at api.socket)");
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            throw new NotRunningException("plexd is not running: nothing accepts connections on " + socket
                    + " (a stale socket from a stopped daemon?)");
        } catch (IOException e) {
            throw new IOException("cannot connect to " + socket + ": " + e.getMessage(), e);
        }
        try (channel; AutoCloseable deadline = HttpWire.closeAfter(channel, timeout)) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Host", "localhost");
            byte[] body = new byte[0];
            if (jsonBody != null) {
                headers.put("Content-Type", "application/json");
                body = jsonBody.getBytes(StandardCharsets.UTF_8);
            }
            HttpWire.write(channel, method + " " + path + " HTTP/1.1", headers, body);
            HttpWire.Message message = HttpWire.read(channel, MAX_HEAD, MAX_BODY, true);
            String[] status = message.startLine().split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response from " + socket);
            }
            return new Response(Integer.parseInt(status[1]), message.headers(), message.body());
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new IOException("no answer from plexd on " + socket + " within " + timeout.toSeconds() + "s", e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
