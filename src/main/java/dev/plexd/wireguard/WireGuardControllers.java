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

    private WireGuardControllers() {
    }

    /**
     * Whether kernel WireGuard works here: the module is loaded, or creating a WireGuard link in a
     * scratch namespace succeeds (which also loads an installed module). Nothing is left behind.
     */
    public static boolean kernelAvailable(Exec exec) {
        if (Files.isDirectory(Path.of("/sys/module/wireguard"))) {
            return true;
        }
        String scratch = "pxwprobe" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        try {
            if (!exec.run("ip", "netns", "add", scratch).ok()) {
                return false;
            }
            try {
                Exec.Result trial = exec.run("ip", "-n", scratch, "link", "add", "dev", "wgprobe", "type", "wireguard");
                log.atDebug().addKeyValue("ok", trial.ok()).addKeyValue("detail", trial.stderr().strip())
                        .log("kernel WireGuard probe");
                return trial.ok();
            } finally {
                exec.run("ip", "netns", "del", scratch);
            }
        } catch (IOException e) {
            return false;
        }
    }
}
