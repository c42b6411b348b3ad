package dev.plexd.daemon;

import dev.plexd.daemon.metrics.DaemonMetrics;
import dev.plexd.tunnel.UserspaceController;
import dev.plexd.tunnel.UserspaceTunnel;
import dev.plexd.tunnel.device.DropReason;
import dev.plexd.wireguard.DeviceStatusSource;
import dev.plexd.wireguard.WireGuardController;
import dev.plexd.wireguard.uapi.PeerStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A data plane driven only through a {@link WireGuardController}: kernel WireGuard, or an external
 * userspace implementation over UAPI. Opening creates the interface as the {@link InterfaceSpec}
 * says (key, port, MTU, addresses), still down.
 */
public final class ControllerDataPlane implements DataPlane {

    /** What closing does: stop a supervised process, or nothing when the interface stays in the kernel. */
    @FunctionalInterface
    public interface Closer {
        void close() throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(ControllerDataPlane.class);

    private final WireGuardController controller;
    private final String iface;
    private final Closer closer;

    private ControllerDataPlane(WireGuardController controller, String iface, Closer closer) {
        this.controller = controller;
        this.iface = iface;
        this.closer = closer;
    }

    /** On failure the closer runs before the exception leaves. */
    public static ControllerDataPlane open(WireGuardController controller, InterfaceSpec spec, Closer closer) throws IOException {
        try {
            controller.createInterface(spec.name(), spec.privateKey(), spec.listenPort());
            controller.setMtu(spec.name(), spec.mtu());
            for (String address : spec.addresses()) {
                controller.configureAddress(spec.name(), address);
            }
        } catch (IOException | RuntimeException e) {
            try {
                closer.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new ControllerDataPlane(controller, spec.name(), closer);
    }

    @Override
    public WireGuardController controller() {
        return controller;
    }

    /** Bytes by direction, summed over the device's peers at scrape time, when the controller can report them. */
    @Override
    public void registerMetrics(DaemonMetrics metrics) {
        if (controller instanceof DeviceStatusSource source) {
            metrics.registerBytes(() -> bytes(source));
        }
        if (controller instanceof UserspaceController userspace) {
            metrics.registerTunnelDrops(() -> userspace.tunnel(iface).map(ControllerDataPlane::drops).orElse(Map.of()));
        }
    }

    private static Map<String, Long> drops(UserspaceTunnel tunnel) {
        Map<String, Long> drops = new LinkedHashMap<>();
        for (DropReason reason : DropReason.values()) {
            drops.put(reason.name().toLowerCase(Locale.ROOT), tunnel.stats().drops(reason));
        }
        return drops;
    }

    private Map<String, Long> bytes(DeviceStatusSource source) {
        try {
            long rx = 0;
            long tx = 0;
            for (PeerStatus peer : source.deviceStatus(iface).peers()) {
                rx += peer.rxBytes();
                tx += peer.txBytes();
            }
            return Map.of("rx", rx, "tx", tx);
        } catch (IOException e) {
            log.atDebug().addKeyValue("interface", iface).addKeyValue("error", e.getMessage()).log("device status unavailable for metrics");
            return Map.of();
        }
    }

    @Override
    public void close() throws IOException {
        closer.close();
    }
}
