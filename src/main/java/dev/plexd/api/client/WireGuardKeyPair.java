package dev.plexd.api.client;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;

/** A fresh X25519 key pair for the node's WireGuard interface, as {@code wg genkey | wg pubkey} makes. */
public record WireGuardKeyPair(String privateKey, String publicKey) {

    public static WireGuardKeyPair generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
            // PKCS#8 and X.509 encodings of X25519 keys end with the raw 32 bytes.
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            byte[] x509 = pair.getPublic().getEncoded();
            byte[] secret = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
            // Clamp as wg genkey does; X25519 clamps on use, so the public key is unchanged.
            secret[0] &= (byte) 248;
            secret[31] = (byte) ((secret[31] & 127) | 64);
            byte[] pub = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
            Base64.Encoder b64 = Base64.getEncoder();
            String result = b64.encodeToString(secret);
            Arrays.fill(secret, (byte) 0);
            return new WireGuardKeyPair(result, b64.encodeToString(pub));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "WireGuardKeyPair[publicKey=" + publicKey + "]";
    }
}
