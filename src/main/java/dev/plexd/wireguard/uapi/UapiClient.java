package dev.plexd.wireguard.uapi;

import dev.plexd.wireguard.InterfaceNames;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client end of UAPI: one request per connection to {@code <socketDirectory>/<iface>.sock},
 * as {@code wg} does. Every exchange has a deadline. Errors read
 * {@code wireguard: <iface>: <what was being done>: <problem>}, so they name the interface and the
 * peers involved; secrets never appear in them.
 */
public final class UapiClient {

    public static final Path DEFAULT_SOCKET_DIRECTORY = Path.of("/var/run/wireguard");

    /** Closes channels whose exchange outlived its deadline, which unblocks the reader. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("uapi-watchdog").unstarted(r));

    private final Path socketDirectory;
    private final Duration timeout;
    private final int maxReplyBytes;

    public UapiClient(Path socketDirectory, Duration timeout) {
        this(socketDirectory, timeout, UapiReader.DEFAULT_MAX_MESSAGE_BYTES);
    }

    public UapiClient(Path socketDirectory, Duration timeout, int maxReplyBytes) {
        this.socketDirectory = socketDirectory;
        this.timeout = timeout;
        this.maxReplyBytes = maxReplyBytes;
    }

    public Path socketPath(String iface) {
        return socketDirectory.resolve(InterfaceNames.check(iface) + ".sock");
    }

    /** Whether something accepts connections on the interface's socket (a stale file does not). */
    public boolean isLive(String iface) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socketPath(iface)))) {
            return channel.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code get=1}: the device's configuration and peer statistics. */
    public DeviceStatus get(String iface) throws IOException {
        String action = "get device status";
        List<String> reply = exchange(iface, UapiCodec.encode(UapiRequest.GET), action);
        try {
            return UapiCodec.parseGetResponse(reply);
        } catch (UapiErrnoException e) {
            throw rejected(iface, action, e);
        } catch (UapiFormatException e) {
            throw malformed(iface, action, e);
        }
    }

    /** {@code set=1}: applies the change; the implementation's {@code errno≠0} is an error. */
    public void set(String iface, DeviceUpdate update) throws IOException {
        String action = update.summary();
        List<String> reply = exchange(iface, UapiCodec.encode(update), action);
        try {
            UapiCodec.parseSetResponse(reply);
        } catch (UapiErrnoException e) {
            throw rejected(iface, action, e);
        } catch (UapiFormatException e) {
            throw malformed(iface, action, e);
        }
    }

    private List<String> exchange(String iface, String request, String action) throws IOException {
        Path path = socketPath(iface);
        String context = "wireguard: " + iface + ": " + action + ": ";
        if (!Files.exists(path)) {
            throw new IOException(context + "UAPI socket " + path + " does not exist (no WireGuard implementation serves "
                    + iface + ")");
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> {
            timedOut.set(true);
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all we can do; the exchange reports the timeout
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (channel) {
            channel.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            return new UapiReader(Channels.newInputStream(channel), maxReplyBytes).require();
        } catch (ConnectException e) {
            throw new IOException(context + "nothing accepts connections on UAPI socket " + path
                    + " (stale socket of a WireGuard implementation that is gone?)", e);
        } catch (UapiFormatException e) {
            throw timedOut.get() ? timeout(context, e) : malformed(iface, action, e);
        } catch (IOException e) {
            if (timedOut.get()) {
                throw timeout(context, e);
            }
            throw new IOException(context + "UAPI exchange on " + path + " failed: " + e, e);
        } finally {
            deadline.cancel(false);
        }
    }

    private IOException timeout(String context, IOException cause) {
        return new IOException(context + "no complete UAPI reply within " + timeout.toMillis() + " ms", cause);
    }

    private static IOException malformed(String iface, String action, UapiFormatException e) {
        return new UapiFormatException("wireguard: " + iface + ": " + action + ": bad reply: " + e.getMessage(), e);
    }

    private static UapiErrnoException rejected(String iface, String action, UapiErrnoException e) {
        return new UapiErrnoException("wireguard: " + iface + ": " + action + ": rejected with " + e.getMessage(), e);
    }
}
