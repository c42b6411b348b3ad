package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.wireguard.uapi.UapiClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Keys, wireguard-go peers and reachability checks for the privileged WireGuard tests. */
final class WireGuardFixtures {

    static final Path SOCKETS = UapiClient.DEFAULT_SOCKET_DIRECTORY;

    private WireGuardFixtures() {
    }

    /** A fresh {@code pxw…} suffix: wireguard-go's sockets are global, names must not collide. */
    static String uniqueSuffix() {
        return Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    }

    record KeyPair(byte[] privateKey, byte[] publicKey) {
        String privateBase64() {
            return WireGuardKeys.encode(privateKey);
        }

        String publicBase64() {
            return WireGuardKeys.encode(publicKey);
        }
    }

    /** Keys made by {@code wg} itself, so the tests do not trust plexd's own key handling. */
    static KeyPair keyPair() throws IOException {
        String privateKey = Exec.host().run("wg", "genkey").orThrow().stdout().strip();
        String publicKey = Exec.host().runWithInput(privateKey + "\n", "wg", "pubkey").orThrow().stdout().strip();
        return new KeyPair(WireGuardKeys.decode(privateKey, "private"), WireGuardKeys.decode(publicKey, "public"));
    }

    static byte[] presharedKey() throws IOException {
        return WireGuardKeys.decode(Exec.host().run("wg", "genpsk").orThrow().stdout().strip(), "psk");
    }

    /** Starts plain wireguard-go for {@code iface} in the namespace and waits for its socket. */
    static Process startWireguardGo(NetNs ns, String iface) throws IOException, InterruptedException {
        Process process = ns.spawn("env", "WG_PROCESS_FOREGROUND=1", "wireguard-go", "-f", iface);
        UapiClient client = new UapiClient(SOCKETS, Duration.ofSeconds(2));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!client.isLive(iface)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("wireguard-go for " + iface + " did not start: " + new String(process.getInputStream().readAllBytes()));
            }
            Thread.sleep(20);
        }
        return process;
    }

    /** SIGTERM, so wireguard-go removes its socket and device; whatever is left is removed too. */
    static void stopWireguardGo(Process process, String iface) throws IOException, InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        Files.deleteIfExists(SOCKETS.resolve(iface + ".sock"));
    }

    /** Pings until one reply comes back (the first packet waits for a handshake), at most ~10 s. */
    static boolean pingSucceeds(NetNs from, String address) throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            if (from.exec().run("ping", "-c1", "-W1", address).ok()) {
                return true;
            }
        }
        return false;
    }

    static String dump(NetNs ns, String iface) throws IOException {
        return ns.sh("wg", "show", iface, "dump").stdout();
    }
}
