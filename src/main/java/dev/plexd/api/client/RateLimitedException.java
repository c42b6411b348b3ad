package dev.plexd.api.client;

import java.time.Duration;
import java.util.Optional;

/** HTTP 429: come back later, after {@link #retryAfter()} when the server said so. */
public class RateLimitedException extends ControlPlaneException {

    private final Duration retryAfter;

    public RateLimitedException(String message, String bodyExcerpt, Duration retryAfter) {
        super(message, 429, bodyExcerpt);
        this.retryAfter = retryAfter;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
