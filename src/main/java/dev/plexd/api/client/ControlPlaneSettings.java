package dev.plexd.api.client;

import okhttp3.HttpUrl;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the node talks to its control plane. Null durations mean the defaults; the YAML keys are
 * {@code control_plane.*} and the top-level {@code data_dir} (see {@code docs/control-plane.md}).
 *
 * @param url                base URL of the control plane, e.g. {@code https://cp.example.com}
 * @param bootstrapToken     registration token given inline (discouraged: prefer the file or
 *                           {@value #ENV_BOOTSTRAP_TOKEN})
 * @param bootstrapTokenFile file holding the registration token; removed after registering
 * @param dataDir            where the node identity lives ({@code identity.json}, mode 0600)
 * @param hostname           the name the node registers with; null = the machine's hostname
 * @param requestTimeout     timeout of one HTTP request
 * @param heartbeatInterval  time between heartbeats
 * @param eventIdleTimeout   a stream silent for this long (not even a keep-alive) is reconnected
 * @param pollFallbackAfter  after the stream has failed this long, state is polled
 * @param pollInterval       how often state is polled while the stream is down
 */
public record ControlPlaneSettings(String url, String bootstrapToken, Path bootstrapTokenFile, Path dataDir,
                                   String hostname, Duration requestTimeout, Duration heartbeatInterval,
                                   Duration eventIdleTimeout, Duration pollFallbackAfter, Duration pollInterval) {

    public static final String ENV_BOOTSTRAP_TOKEN = "PLEXD_BOOTSTRAP_TOKEN";
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/plexd");
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_EVENT_IDLE_TIMEOUT = Duration.ofSeconds(90);
    public static final Duration DEFAULT_POLL_FALLBACK_AFTER = Duration.ofMinutes(5);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(60);

    public ControlPlaneSettings {
        url = url == null || url.isBlank() ? null : stripTrailingSlash(url.trim());
        bootstrapToken = bootstrapToken == null || bootstrapToken.isBlank() ? null : bootstrapToken.trim();
        dataDir = dataDir == null ? DEFAULT_DATA_DIR : dataDir;
        hostname = hostname == null || hostname.isBlank() ? null : hostname.trim();
        requestTimeout = positive(requestTimeout, DEFAULT_REQUEST_TIMEOUT, "request_timeout");
        heartbeatInterval = positive(heartbeatInterval, DEFAULT_HEARTBEAT_INTERVAL, "heartbeat_interval");
        eventIdleTimeout = positive(eventIdleTimeout, DEFAULT_EVENT_IDLE_TIMEOUT, "event_idle_timeout");
        pollFallbackAfter = positive(pollFallbackAfter, DEFAULT_POLL_FALLBACK_AFTER, "poll_fallback_after");
        pollInterval = positive(pollInterval, DEFAULT_POLL_INTERVAL, "poll_interval");
    }

    /** Every default; the URL still has to be set. */
    public static ControlPlaneSettings defaults() {
        return new ControlPlaneSettings(null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * Checks what cannot be defaulted.
     *
     * @throws IllegalArgumentException naming the config key
     */
    public ControlPlaneSettings validate() {
        if (url == null) {
            throw new IllegalArgumentException("control_plane.url: missing");
        }
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            throw new IllegalArgumentException("control_plane.url: not an http(s) URL: \"" + url + "\"");
        }
        return this;
    }

    public HttpUrl baseUrl() {
        return HttpUrl.get(validate().url);
    }

    public Path identityFile() {
        return dataDir.resolve("identity.json");
    }

    public ControlPlaneSettings withUrl(String value) {
        return new ControlPlaneSettings(value, bootstrapToken, bootstrapTokenFile, dataDir, hostname, requestTimeout,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withBootstrapToken(String value) {
        return new ControlPlaneSettings(url, value, bootstrapTokenFile, dataDir, hostname, requestTimeout,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withBootstrapTokenFile(Path value) {
        return new ControlPlaneSettings(url, bootstrapToken, value, dataDir, hostname, requestTimeout,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withDataDir(Path value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, value, hostname, requestTimeout,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withHostname(String value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, dataDir, value, requestTimeout,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withRequestTimeout(Duration value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, dataDir, hostname, value,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withHeartbeatInterval(Duration value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, dataDir, hostname, requestTimeout,
                value, eventIdleTimeout, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withEventIdleTimeout(Duration value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, dataDir, hostname, requestTimeout,
                heartbeatInterval, value, pollFallbackAfter, pollInterval);
    }

    public ControlPlaneSettings withPollFallbackAfter(Duration value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, dataDir, hostname, requestTimeout,
                heartbeatInterval, eventIdleTimeout, value, pollInterval);
    }

    public ControlPlaneSettings withPollInterval(Duration value) {
        return new ControlPlaneSettings(url, bootstrapToken, bootstrapTokenFile, dataDir, hostname, requestTimeout,
                heartbeatInterval, eventIdleTimeout, pollFallbackAfter, value);
    }

    /** Keeps the inline bootstrap token out of logs. */
    @Override
    public String toString() {
        return "ControlPlaneSettings[url=" + url + ", bootstrapToken=" + (bootstrapToken == null ? "none" : "<redacted>")
                + ", bootstrapTokenFile=" + bootstrapTokenFile + ", dataDir=" + dataDir + ", hostname=" + hostname
                + ", requestTimeout=" + requestTimeout + ", heartbeatInterval=" + heartbeatInterval
                + ", eventIdleTimeout=" + eventIdleTimeout + ", pollFallbackAfter=" + pollFallbackAfter
                + ", pollInterval=" + pollInterval + "]";
    }

    private static Duration positive(Duration value, Duration fallback, String key) {
        if (value == null) {
            return fallback;
        }
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("control_plane." + key + ": must be positive, got " + value);
        }
        return value;
    }

    private static String stripTrailingSlash(String url) {
        String result = url;
        while (result.endsWith("/")) {
            result = result.substring(0, result.length() - 1);
        }
        return result;
    }
}
