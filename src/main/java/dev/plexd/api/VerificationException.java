package dev.plexd.api;

import java.util.Locale;

/** A signed envelope that must not be acted on; {@link #reason()} says why, for logs and counters. */
public class VerificationException extends Exception {

    /** Why an envelope was rejected; {@link #label()} is the stable name used in logs and metrics. */
    public enum Reason {
        MISSING_FIELD, STALE, FUTURE, BAD_ENCODING, NO_KEY, BAD_SIGNATURE, REPLAYED, REPLAY_WINDOW_FULL, OTHER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public VerificationException(String message) {
        this(Reason.OTHER, message, null);
    }

    public VerificationException(String message, Throwable cause) {
        this(Reason.OTHER, message, cause);
    }

    public VerificationException(Reason reason, String message) {
        this(reason, message, null);
    }

    public VerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
