package dev.plexd.service.policy;

import java.util.Base64;

/**
 * Names of peers, orgs and aliases, which become file names, and the forms a WireGuard public key
 * may take in them. A standard base64 key may contain {@code /} (and {@code +}), which a file name
 * cannot hold, so the URL-safe alphabet ({@code -} for {@code +}, {@code _} for {@code /}) is
 * accepted everywhere a key is, with or without the {@code =} padding.
 */
public final class Names {

    private static final int KEY_BYTES = 32;

    private Names() {
    }

    /**
     * Whether a name is safe as a file name: 1–{@value Limits#MAX_NAME_LENGTH} characters from
     * {@code A-Z a-z 0-9 . _ - = +}, not starting with a dot (hidden and editor files are
     * ignored by the loader) and without {@code ..}.
     */
    public static boolean isSafe(String name) {
        if (name == null || name.isEmpty() || name.length() > Limits.MAX_NAME_LENGTH) {
            return false;
        }
        if (name.charAt(0) == '.' || name.contains("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == '=' || c == '+';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Why {@link #isSafe} refuses names, for error messages. */
    public static final String SAFE_NAME_RULE =
            "use 1-" + Limits.MAX_NAME_LENGTH + " letters, digits or . _ - = + (no leading dot, no ..)";

    /**
     * The key in standard base64 (the form the control plane and the data plane use) when
     * {@code text} is a 32-byte key in the standard or URL-safe alphabet, padded or not; else null.
     */
    public static String canonicalKey(String text) {
        if (text == null || text.length() < 43 || text.length() > 44) {
            return null;
        }
        String padded = text.length() == 43 ? text + "=" : text;
        boolean urlSafe = padded.indexOf('-') >= 0 || padded.indexOf('_') >= 0;
        try {
            byte[] key = (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(padded);
            return key.length == KEY_BYTES ? Base64.getEncoder().encodeToString(key) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The file-name form of a key: URL-safe base64 with padding, e.g. {@code peer/<this>.policy}. */
    public static String fileNameForKey(String key) {
        String canonical = canonicalKey(key);
        if (canonical == null) {
            throw new IllegalArgumentException("not a 32-byte base64 key");
        }
        return Base64.getUrlEncoder().encodeToString(Base64.getDecoder().decode(canonical));
    }
}
