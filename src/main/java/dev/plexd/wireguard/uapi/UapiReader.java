package dev.plexd.wireguard.uapi;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Frames UAPI messages on a stream: lines ending in {@code \n}, a message ended by an empty line.
 * Several messages may follow each other on one connection. Each message is bounded in size so a
 * misbehaving peer cannot exhaust memory; a stream that ends inside a message is an error, one
 * that ends between messages is a clean end.
 */
public final class UapiReader {

    /** Large enough for a get answer of ~40,000 peers (about 400 bytes each). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final InputStream in;
    private final int maxMessageBytes;

    public UapiReader(InputStream in) {
        this(in, DEFAULT_MAX_MESSAGE_BYTES);
    }

    public UapiReader(InputStream in, int maxMessageBytes) {
        if (maxMessageBytes < 2) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 2");
        }
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 8192);
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Reads the next message: its lines without the terminating empty line.
     *
     * @return empty when the stream ends before the first byte of a message
     * @throws UapiFormatException (errno EPROTO) when the stream ends inside a message or the
     *                             message exceeds the size bound
     */
    public Optional<List<String>> next() throws IOException {
        List<String> lines = new ArrayList<>();
        byte[] line = new byte[256];
        int lineLength = 0;
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (total == 0) {
                    return Optional.empty();
                }
                throw new UapiFormatException("truncated UAPI message: the stream ended after " + total + " bytes ("
                        + lines.size() + " complete lines) without the empty line that ends a message", UapiErrno.EPROTO);
            }
            if (++total > maxMessageBytes) {
                throw new UapiFormatException("UAPI message exceeds " + maxMessageBytes + " bytes", UapiErrno.EPROTO);
            }
            if (b != '\n') {
                if (lineLength == line.length) {
                    line = java.util.Arrays.copyOf(line, line.length * 2);
                }
                line[lineLength++] = (byte) b;
                continue;
            }
            if (lineLength == 0) {
                return Optional.of(lines);
            }
            lines.add(new String(line, 0, lineLength, StandardCharsets.UTF_8));
            lineLength = 0;
        }
    }

    /** Like {@link #next()}, but a stream that ends before the message is an error too. */
    public List<String> require() throws IOException {
        return next().orElseThrow(() -> new UapiFormatException(
                "truncated UAPI message: the stream ended before any reply", UapiErrno.EPROTO));
    }
}
