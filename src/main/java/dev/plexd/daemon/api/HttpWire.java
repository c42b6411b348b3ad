package dev.plexd.daemon.api;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 framing both ends of the local API share: one message per connection
 * ({@code Connection: close}), a head of bounded size, a body sized by {@code Content-Length}.
 * Chunked bodies are refused rather than half-supported.
 */
final class HttpWire {

    /** A message as read: start line, headers with lower-case names, body. */
    record Message(String startLine, Map<String, String> headers, byte[] body) {
    }

    /** A framing problem, with the HTTP status a server answers it with. */
    static final class WireException extends IOException {
        final int status;

        WireException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private HttpWire() {
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("api-deadlines").daemon(true).factory());
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /**
     * Closes the channel when the deadline passes, which unblocks any read or write on it: how
     * a slow or stuck peer is cut off on channels that have no socket timeouts (unix sockets).
     * Closing the returned handle cancels the deadline.
     */
    static AutoCloseable closeAfter(Channel channel, Duration timeout) {
        ScheduledFuture<?> task = DEADLINES.schedule(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already closed
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return () -> task.cancel(false);
    }

    /**
     * Reads one message.
     *
     * @param bodyUntilEof without a {@code Content-Length}, read the body until the peer closes
     *                     (responses); otherwise the body is empty (requests)
     */
    static Message read(ReadableByteChannel channel, int maxHead, int maxBody, boolean bodyUntilEof) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(maxHead);
        int headEnd = -1;
        while (headEnd < 0) {
            if (!buffer.hasRemaining()) {
                throw new WireException(431, "head larger than " + maxHead + " bytes");
            }
            int from = Math.max(0, buffer.position() - END_OF_HEAD.length + 1);
            if (channel.read(buffer) < 0) {
                throw new EOFException(buffer.position() == 0 ? "connection closed before a message" : "connection closed inside the head");
            }
            headEnd = indexOf(buffer.array(), from, buffer.position());
        }
        String head = new String(buffer.array(), 0, headEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n", -1);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || lines[i].charAt(0) == ' ' || lines[i].charAt(0) == '\t') {
                throw new WireException(400, "malformed header line");
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (headers.putIfAbsent(name, value) != null && name.equals("content-length")) {
                throw new WireException(400, "repeated Content-Length");
            }
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new WireException(501, "Transfer-Encoding is not supported; send Content-Length");
        }
        int start = headEnd + END_OF_HEAD.length;
        byte[] already = Arrays.copyOfRange(buffer.array(), start, buffer.position());
        String length = headers.get("content-length");
        byte[] body;
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new WireException(400, "bad Content-Length");
            }
            if (declared < 0) {
                throw new WireException(400, "bad Content-Length");
            }
            if (declared > maxBody) {
                throw new WireException(413, "body larger than " + maxBody + " bytes");
            }
            body = readBody(channel, already, (int) declared);
        } else if (bodyUntilEof) {
            body = readToEof(channel, already, maxBody);
        } else {
            body = new byte[0];
        }
        return new Message(lines[0], headers, body);
    }

    private static byte[] readBody(ReadableByteChannel channel, byte[] already, int length) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(length);
        body.put(already, 0, Math.min(already.length, length));
        while (body.hasRemaining()) {
            if (channel.read(body) < 0) {
                throw new EOFException("connection closed inside the body");
            }
        }
        return body.array();
    }

    private static byte[] readToEof(ReadableByteChannel channel, byte[] already, int maxBody) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(maxBody + 1);
        body.put(already, 0, Math.min(already.length, body.capacity()));
        while (body.hasRemaining() && channel.read(body) >= 0) {
            // keep reading until the peer closes
        }
        if (!body.hasRemaining()) {
            throw new WireException(413, "body larger than " + maxBody + " bytes");
        }
        return Arrays.copyOf(body.array(), body.position());
    }

    /** Writes a start line, headers (plus Content-Length and Connection: close) and body. */
    static void write(WritableByteChannel channel, String startLine, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(startLine).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("Connection: close\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(headBytes.length + body.length).put(headBytes).put(body).flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    private static int indexOf(byte[] data, int from, int to) {
        outer:
        for (int i = from; i <= to - END_OF_HEAD.length; i++) {
            for (int j = 0; j < END_OF_HEAD.length; j++) {
                if (data[i + j] != END_OF_HEAD[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
