package dev.plexd.testing;

import dev.plexd.api.Peer;
import dev.plexd.api.PolicyRule;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/** Small builders for test data. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A deterministic, valid base64 32-byte key derived from a name. */
    public static String keyFor(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A peer with a valid key and mesh IP {@code 10.100.<n/256>.<n%256>}. */
    public static Peer peer(String id, int n) {
        String ip = "10.100." + (n / 256) + "." + (n % 256);
        return new Peer(id, keyFor(id), ip, "192.0.2." + (1 + n % 250) + ":51820", List.of(ip + "/32"), "");
    }

    public static PolicyRule allow(String src, String dst) {
        return new PolicyRule(src, dst, 0, "", "allow");
    }

    public static PolicyRule allow(String src, String dst, int port, String protocol) {
        return new PolicyRule(src, dst, port, protocol, "allow");
    }

    public static PolicyRule deny(String src, String dst) {
        return new PolicyRule(src, dst, 0, "", "deny");
    }
}
