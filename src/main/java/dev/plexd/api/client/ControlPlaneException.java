package dev.plexd.api.client;

import java.io.IOException;

/**
 * The control plane answered with an error status. Carries the status code and the start of the
 * response body (bounded, control characters removed) for the log.
 */
public class ControlPlaneException extends IOException {

    /** How much of an error body is kept. */
    public static final int MAX_BODY_EXCERPT = 512;

    private final int statusCode;
    private final String bodyExcerpt;

    public ControlPlaneException(String message) {
        this(message, 0, "");
    }

    public ControlPlaneException(String message, Throwable cause) {
        super(message, cause);
        this.statusCode = 0;
        this.bodyExcerpt = "";
    }

    public ControlPlaneException(String message, int statusCode, String bodyExcerpt) {
        super(message);
        this.statusCode = statusCode;
        this.bodyExcerpt = bodyExcerpt == null ? "" : bodyExcerpt;
    }

    /** The HTTP status, 0 when there was none. */
    public int statusCode() {
        return statusCode;
    }

    public String bodyExcerpt() {
        return bodyExcerpt;
    }

    /** Server-side and throttling errors may go away by themselves; client errors will not. */
    public boolean retryable() {
        return statusCode >= 500 || statusCode == 408 || statusCode == 429;
    }

    /** Cuts a body to {@link #MAX_BODY_EXCERPT} characters and flattens control characters. */
    static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String cut = body.length() > MAX_BODY_EXCERPT ? body.substring(0, MAX_BODY_EXCERPT) + "…" : body;
        return cut.replaceAll("\\p{Cntrl}+", " ").strip();
    }
}
