package dev.plexd.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/**
 * The body of {@code POST /v1/nodes/{id}/heartbeat}.
 *
 * @param uptime Go duration text, e.g. {@code 1h2m3s} (see {@link #uptimeText})
 * @param mesh   the mesh interface's state, may be null
 */
public record HeartbeatRequest(String nodeId, Instant timestamp, String status, String uptime, Mesh mesh) {

    public static final String STATUS_HEALTHY = "healthy";
    public static final String STATUS_DEGRADED = "degraded";

    /** The mesh interface as the heartbeat reports it. */
    public record Mesh(@JsonProperty("interface") String iface, int peerCount, int listenPort) {
    }

    /** Whole seconds as Go's {@code time.Duration.String()} writes them: {@code 0s}, {@code 5s}, {@code 1h0m5s}. */
    public static String uptimeText(java.time.Duration uptime) {
        long seconds = Math.max(0, uptime.toSeconds());
        long h = seconds / 3600;
        long m = (seconds % 3600) / 60;
        long s = seconds % 60;
        if (h > 0) {
            return h + "h" + m + "m" + s + "s";
        }
        return m > 0 ? m + "m" + s + "s" : s + "s";
    }
}
