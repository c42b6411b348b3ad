package dev.plexd.api.client;

import dev.plexd.wireguard.WireGuardKeys;
import dev.plexd.wireguard.X25519;

import java.util.Arrays;

/** A fresh X25519 key pair for the node's WireGuard interface, as {@code wg genkey | wg pubkey} makes. */
public record WireGuardKeyPair(String privateKey, String publicKey) {

    public static WireGuardKeyPair generate() {
        byte[] secret = X25519.generatePrivateKey();
        try {
            return new WireGuardKeyPair(WireGuardKeys.encode(secret), WireGuardKeys.encode(X25519.publicKey(secret)));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "WireGuardKeyPair[publicKey=" + publicKey + "]";
    }
}
