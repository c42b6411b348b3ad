package dev.plexd.testing;

import dev.plexd.wireguard.uapi.UapiClient;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Plain wireguard-go, the reference implementation, in a test's namespace. */
public final class WireGuardGo {

    private WireGuardGo() {
    }

    /** Starts wireguard-go for {@code iface} in the namespace and returns once its UAPI socket answers. */
    public static Process start(NetNs ns, String iface) throws IOException, InterruptedException {
        Process process = ns.spawn("env", "WG_PROCESS_FOREGROUND=1", "wireguard-go", "-f", iface);
        UapiClient client = new UapiClient(UapiClient.DEFAULT_SOCKET_DIRECTORY, Duration.ofSeconds(2));
        // Also ends when wireguard-go exits, which then never opens the socket. A timeout leaves it
        // running: its output ends only when it does, and the namespace kills it on close.
        Await.until("wireguard-go for " + iface + " to open its UAPI socket", () -> !process.isAlive() || client.isLive(iface));
        if (!process.isAlive()) {
            throw new IOException("wireguard-go for " + iface + " exited with status " + process.exitValue() + ": "
                    + new String(process.getInputStream().readAllBytes()));
        }
        return process;
    }

    /** SIGTERM, so wireguard-go removes its socket and device; whatever is left is removed too. */
    public static void stop(Process process, String iface) throws IOException, InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        Files.deleteIfExists(UapiClient.DEFAULT_SOCKET_DIRECTORY.resolve(iface + ".sock"));
    }
}
