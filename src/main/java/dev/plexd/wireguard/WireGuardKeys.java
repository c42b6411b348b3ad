package dev.plexd.wireguard;

import java.util.Base64;

/** WireGuard keys are 32 bytes, exchanged as standard base64. */
public final class WireGuardKeys {

    public static final int KEY_LENGTH = 32;

    private WireGuardKeys() {
    }

    /**
     * Decodes a base64 key.
     *
     * @param what names the key in the error, e.g. {@code "peer node-1 public_key"}
     * @throws IllegalArgumentException when the text is not base64 of exactly 32 bytes
     */
    public static byte[] decode(String base64, String what) {
        if (base64 == null || base64.isEmpty()) {
            throw new IllegalArgumentException(what + ": missing");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": not valid base64", e);
        }
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException(what + ": must be " + KEY_LENGTH + " bytes, got " + key.length);
        }
        return key;
    }

    public static String encode(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }
}
