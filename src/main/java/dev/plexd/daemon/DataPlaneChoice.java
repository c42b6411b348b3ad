package dev.plexd.daemon;

import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.daemon.config.DaemonConfig.WireGuardMode;
import dev.plexd.wireguard.WireGuardControllers.KernelSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code wireguard.mode} → the data plane that runs: {@code auto} becomes kernel WireGuard where
 * the host can create a WireGuard link, else plexd's userspace data plane; the other modes stand as
 * configured. Decided once, before anything that depends on it (the service filter's enforcement
 * point, the data plane, the status) is built, and logged with the reason.
 */
final class DataPlaneChoice {

    private static final Logger log = LoggerFactory.getLogger(DataPlaneChoice.class);

    /** @param mode never {@link WireGuardMode#AUTO} */
    record Choice(WireGuardMode mode, String reason) {
    }

    private DataPlaneChoice() {
    }

    /** Only {@code auto} runs {@code probe}. */
    static Choice choose(WireGuardMode configured, Wiring.KernelProbe probe) {
        if (configured != WireGuardMode.AUTO) {
            return new Choice(configured, "configured");
        }
        KernelSupport kernel = probe.probe();
        return kernel.available()
                ? new Choice(WireGuardMode.KERNEL, kernel.reason())
                : new Choice(WireGuardMode.USERSPACE, kernel.reason() + "; using plexd's userspace data plane");
    }

    /** {@code config} with its mode chosen (never auto), the choice logged. */
    static DaemonConfig resolve(DaemonConfig config, Wiring.KernelProbe probe) {
        DaemonConfig.WireGuard wg = config.wireguard();
        Choice choice = choose(wg.mode(), probe);
        log.atInfo().addKeyValue("mode", choice.mode().key()).addKeyValue("configured", wg.mode().key())
                .addKeyValue("reason", choice.reason()).log("wireguard data plane selected");
        if (choice.mode() == wg.mode()) {
            return config;
        }
        DaemonConfig.WireGuard chosen = new DaemonConfig.WireGuard(choice.mode(), wg.iface(), wg.listenPort(), wg.mtu(),
                wg.privateKeyFile(), wg.externalBinary());
        return new DaemonConfig(config.node(), config.dataDir(), config.configDir(), config.stateFile(),
                config.controlPlane(), config.reconcile(), config.policy(), config.firewall(), chosen, config.services(),
                config.api(), config.log(), config.shutdown());
    }
}
