package dev.plexd.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.api.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/service/reload} to the daemon's local API over its unix socket, with the JDK's
 * unix-domain {@link SocketChannel} (HTTP/1.1, {@code Connection: close}). A missing socket file,
 * or one nobody listens on (a daemon that stopped without removing it), means no daemon runs.
 */
public final class UnixSocketReloadClient implements ReloadClient {

    public static final Path DEFAULT_SOCKET = Path.of("/run/plexd/api.sock");
    public static final String PATH = "/v1/service/reload";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final Path socket;

    public UnixSocketReloadClient(Path socket) {
        this.socket = socket;
    }

    @Override
    public Outcome reload() throws IOException {
        if (!Files.exists(socket)) {
            return new Outcome.NoDaemon(socket.toString());
        }
        byte[] response;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (java.net.ConnectException e) {
                return new Outcome.NoDaemon(socket + " (nothing listens on it)");
            }
            String request = "POST " + PATH + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: plexd-cli\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n";
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            response = readToEnd(channel);
        }
        return parse(response);
    }

    /** Reads until the daemon closes the connection, at most {@link #TIMEOUT} in all. */
    private static byte[] readToEnd(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no complete answer from the daemon within " + TIMEOUT.toSeconds() + " s");
                }
                selector.select(left);
                selector.selectedKeys().clear();
                int read = channel.read(buffer);
                if (read < 0) {
                    return all.toByteArray();
                }
                all.write(buffer.array(), 0, buffer.position());
                buffer.clear();
                if (all.size() > MAX_RESPONSE_BYTES) {
                    throw new IOException("answer from the daemon larger than " + MAX_RESPONSE_BYTES + " bytes");
                }
            }
        }
    }

    /** Status line, headers, then a body by Content-Length, chunked, or up to the close. */
    static Outcome parse(byte[] response) throws IOException {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            throw new IOException("malformed answer from the daemon (no HTTP header)");
        }
        String[] lines = text.substring(0, headerEnd).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status;
        try {
            status = Integer.parseInt(statusLine.length > 1 ? statusLine[1] : "");
        } catch (NumberFormatException e) {
            throw new IOException("malformed status line from the daemon: " + lines[0]);
        }
        boolean chunked = false;
        int contentLength = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            } else if (name.equals("content-length")) {
                contentLength = Integer.parseInt(value);
            }
        }
        String rest = text.substring(headerEnd + 4);
        String body = chunked ? dechunk(rest) : contentLength >= 0 ? rest.substring(0, Math.min(contentLength, rest.length())) : rest;
        body = new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        if (status / 100 != 2) {
            return new Outcome.Failed(status, body.strip());
        }
        return new Outcome.Reloaded(errors(body));
    }

    private static String dechunk(String chunked) throws IOException {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            if (lineEnd < 0) {
                throw new IOException("malformed chunked answer from the daemon");
            }
            String size = chunked.substring(at, lineEnd);
            int semicolon = size.indexOf(';');
            int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (length == 0) {
                return body.toString();
            }
            int start = lineEnd + 2;
            if (start + length > chunked.length()) {
                throw new IOException("truncated chunked answer from the daemon");
            }
            body.append(chunked, start, start + length);
            at = start + length + 2;
        }
    }

    /** The {@code errors} array of a JSON answer; an answer without one reports no problems. */
    private static List<String> errors(String body) throws IOException {
        if (body.isBlank()) {
            return List.of();
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IOException("the daemon's answer is not JSON: " + body.strip());
        }
        List<String> errors = new ArrayList<>();
        JsonNode array = json.path("errors");
        if (array.isArray()) {
            array.forEach(error -> errors.add(error.asText()));
        }
        return errors;
    }
}
