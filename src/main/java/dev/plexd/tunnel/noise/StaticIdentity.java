package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.Blake2s;
import dev.plexd.wireguard.X25519;

/**
 * This interface's static key pair and the keys derived from its public half: the key that
 * authenticates mac1 of messages sent to us, and the key that encrypts our cookie replies.
 */
public record StaticIdentity(byte[] privateKey, byte[] publicKey, byte[] mac1Key, byte[] cookieKey) {

    public static StaticIdentity of(byte[] privateKey) {
        byte[] priv = privateKey.clone();
        byte[] pub = X25519.publicKey(priv);
        return new StaticIdentity(priv, pub, Blake2s.hash(Labels.MAC1, pub), Blake2s.hash(Labels.COOKIE, pub));
    }

    @Override
    public String toString() {
        return "StaticIdentity[publicKey=" + java.util.Base64.getEncoder().encodeToString(publicKey) + "]";
    }
}
