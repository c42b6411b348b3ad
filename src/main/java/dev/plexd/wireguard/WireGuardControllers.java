package dev.plexd.wireguard;

import dev.plexd.sys.Exec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** What the host offers for WireGuard; the daemon maps {@code wireguard.mode} onto controllers itself. */
public final class WireGuardControllers {

    private static final Logger log = LoggerFactory.getLogger(WireGuardControllers.class);

    private static final Path MODULE = Path.of("/sys/module/wireguard");

    private WireGuardControllers() {
    }

    /**
     * Whether kernel WireGuard works here, and why (or why not), in words for a log line.
     *
     * @param available the module is loaded, or a WireGuard link could be created (which loads an
     *                  installed module)
     */
    public record KernelSupport(boolean available, String reason) {
    }

    /** {@link #probeKernel}'s answer alone. */
    public static boolean kernelAvailable(Exec exec) {
        return probeKernel(exec).available();
    }

    /**
     * Whether kernel WireGuard works here: the module is loaded, or creating a WireGuard link in a
     * scratch namespace succeeds (which also loads an installed module). Nothing is left behind but
     * the module a successful trial loaded, and nothing touches the network: the trial link lives
     * and dies in its own empty namespace.
     */
    public static KernelSupport probeKernel(Exec exec) {
        if (Files.isDirectory(MODULE)) {
            return new KernelSupport(true, "the wireguard kernel module is loaded (" + MODULE + ")");
        }
        String scratch = "pxwprobe" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        try {
            Exec.Result namespace = exec.run("ip", "netns", "add", scratch);
            if (!namespace.ok()) {
                return new KernelSupport(false, "the wireguard kernel module is not loaded, and no scratch namespace"
                        + " could be created to try loading it: " + namespace.describeFailure());
            }
            try {
                Exec.Result trial = exec.run("ip", "-n", scratch, "link", "add", "dev", "wgprobe", "type", "wireguard");
                log.atDebug().addKeyValue("ok", trial.ok()).addKeyValue("detail", trial.stderr().strip())
                        .log("kernel WireGuard probe");
                return trial.ok()
                        ? new KernelSupport(true, "a WireGuard link could be created (the module was loaded for it)")
                        : new KernelSupport(false, "the wireguard kernel module is not loaded and a WireGuard link cannot"
                        + " be created: " + trial.describeFailure());
            } finally {
                exec.run("ip", "netns", "del", scratch);
            }
        } catch (IOException e) {
            return new KernelSupport(false, "probing for kernel WireGuard failed: " + e.getMessage());
        }
    }
}
