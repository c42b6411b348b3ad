package dev.plexd.api;

import java.time.Instant;

/**
 * The control plane's Ed25519 event-signing keys, base64 of the raw 32-byte public keys.
 * {@code previous} stays valid until {@code transitionExpires} so events signed just before a
 * rotation still verify.
 */
public record SigningKeys(String current, String previous, Instant transitionExpires) {

    public static SigningKeys of(String current) {
        return new SigningKeys(current, null, null);
    }

    public boolean hasCurrent() {
        return current != null && !current.isEmpty();
    }
}
