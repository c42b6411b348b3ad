package dev.plexd.daemon;

import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.wireguard.WireGuardController;

import java.io.IOException;

/**
 * A running WireGuard data plane chosen by {@code wireguard.mode}: plexd's userspace one, the
 * kernel's, or an external userspace binary driven over UAPI. The daemon configures it only
 * through {@link #controller()} (via {@link dev.plexd.wireguard.WireGuardManager}) and closes it
 * last at shutdown.
 */
public interface DataPlane extends AutoCloseable {

    WireGuardController controller();

    /** Registers the data plane's own counters (packets allowed/dropped, bytes); none by default. */
    default void registerMetrics(DaemonMetrics metrics) {
    }

    /** Stops the data plane (threads, TUN, supervised process). What stays in the kernel is its choice. */
    @Override
    void close() throws IOException;
}
