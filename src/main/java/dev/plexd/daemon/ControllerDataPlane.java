package dev.plexd.daemon;

import dev.plexd.wireguard.WireGuardController;

import java.io.IOException;

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

    private final WireGuardController controller;
    private final Closer closer;

    private ControllerDataPlane(WireGuardController controller, Closer closer) {
        this.controller = controller;
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
        return new ControllerDataPlane(controller, closer);
    }

    @Override
    public WireGuardController controller() {
        return controller;
    }

    @Override
    public void close() throws IOException {
        closer.close();
    }
}
