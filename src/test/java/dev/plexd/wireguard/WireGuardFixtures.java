package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import dev.plexd.testing.NetNs;
import dev.plexd.wireguard.uapi.UapiClient;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Keys and reachability checks for the privileged WireGuard tests. */
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
