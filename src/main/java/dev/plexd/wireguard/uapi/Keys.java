package dev.plexd.wireguard.uapi;

import dev.plexd.wireguard.WireGuardKeys;

/** Checks and copies of the 32-byte keys the records hold. */
final class Keys {

    private Keys() {
    }

    /** A defensive copy; null stays null. */
    static byte[] checked(byte[] key, String what) {
        if (key == null) {
            return null;
        }
        if (key.length != WireGuardKeys.KEY_LENGTH) {
            throw new IllegalArgumentException(what + " must be " + WireGuardKeys.KEY_LENGTH + " bytes, got " + key.length);
        }
        return key.clone();
    }

    static boolean isZero(byte[] key) {
        int any = 0;
        for (byte b : key) {
            any |= b;
        }
        return any == 0;
    }

    /** Secrets are only ever shown as present or absent. */
    static String redacted(byte[] key) {
        return key == null ? "none" : "<redacted>";
    }
}
