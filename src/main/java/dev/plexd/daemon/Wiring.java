package dev.plexd.daemon;

import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.firewall.FirewallBackends;
import dev.plexd.firewall.ManagedFirewall;
import dev.plexd.policy.Config;
import dev.plexd.policy.FirewallController;
import dev.plexd.policy.FirewallException;
import dev.plexd.sys.Exec;
import dev.plexd.tunnel.UserspaceController;
import dev.plexd.tunnel.uapi.UapiServer;
import dev.plexd.wireguard.KernelController;
import dev.plexd.wireguard.UapiController;
import dev.plexd.wireguard.WireGuardControllers;

import java.io.IOException;

/**
 * The construction points of the components the daemon runs, each chosen by configuration. This
 * is the one place where a component enters the daemon: {@link #builtIn()} lists what this build
 * has, and a part that is not in it fails at start with a message naming the key that asked for
 * it, rather than running without it.
 */
public record Wiring(FirewallFactory firewall, DataPlaneFactory dataPlane, ServiceFilterFactory services,
                     ControlPlaneFactory controlPlane, KernelProbe kernelProbe) {

    /**
     * {@code firewall.backend} → the kernel backend. Not called for {@code none}. A
     * {@link ManagedFirewall} also gets the daemon's drift checks and metrics.
     */
    @FunctionalInterface
    public interface FirewallFactory {
        FirewallController create(DaemonConfig.Firewall config, Config policy)
                throws ComponentUnavailableException, IOException, FirewallException;
    }

    /**
     * {@code wireguard.mode} → a running data plane with the mesh interface created as {@code spec}
     * says (key, port, MTU, addresses assigned), still down; the daemon sets it up after the first
     * enforcement and configures peers only through {@link DataPlane#controller()}.
     */
    @FunctionalInterface
    public interface DataPlaneFactory {
        DataPlane open(DaemonConfig.WireGuard config, InterfaceSpec spec) throws ComponentUnavailableException, IOException;
    }

    /**
     * {@code services.enabled: true} → service access control over {@code <config_dir>/services/},
     * enforced as {@code wireguard.mode} allows (in the userspace data plane, or in the kernel).
     */
    @FunctionalInterface
    public interface ServiceFilterFactory {
        ServiceControl open(DaemonConfig config) throws ComponentUnavailableException, IOException;
    }

    /**
     * {@code control_plane.url} set → registration (or the persisted identity) and the link.
     *
     * @param hostname {@code node.hostname}, or the kernel's hostname when that is empty
     */
    @FunctionalInterface
    public interface ControlPlaneFactory {
        ControlPlaneLink connect(DaemonConfig config, String hostname) throws ComponentUnavailableException, IOException;
    }

    /**
     * {@code wireguard.mode: auto} → whether kernel WireGuard works here and why; asked once, when
     * the daemon is created ({@link DataPlaneChoice}).
     */
    @FunctionalInterface
    public interface KernelProbe {
        WireGuardControllers.KernelSupport probe();
    }

    /** What this build provides, driving the host's kernel. */
    public static Wiring builtIn() {
        return builtIn(Exec.host());
    }

    /** What this build provides; its OS tools ({@code ip}, {@code wg}, wireguard-go) run through {@code exec}. */
    public static Wiring builtIn(Exec exec) {
        return new Wiring(
                (config, policy) -> FirewallBackends.create(config.backend().key(), policy, exec),
                (config, spec) -> openDataPlane(config, spec, exec),
                config -> ServiceAccessControl.open(config, exec),
                ControlPlaneNodeLink::connect,
                () -> WireGuardControllers.probeKernel(exec));
    }

    /**
     * The mode is never {@code auto} here: the daemon has chosen it ({@link DataPlaneChoice}).
     * {@code kernel}: WireGuard in the kernel, left in place at shutdown (the firewall keeps
     * enforcing; the next start adopts the interface). {@code external}: {@code external_binary}
     * (wireguard-go by default) started and supervised over UAPI, stopped at shutdown.
     * {@code userspace}: plexd's own data plane, the service filter at its decrypt → TUN boundary.
     */
    private static DataPlane openDataPlane(DaemonConfig.WireGuard config, InterfaceSpec spec, Exec exec)
            throws ComponentUnavailableException, IOException {
        return switch (config.mode()) {
            case KERNEL -> {
                if (!WireGuardControllers.kernelAvailable(exec)) {
                    throw new ComponentUnavailableException("wireguard.mode kernel: this kernel has no WireGuard module"
                            + " (modprobe wireguard), or use wireguard.mode userspace or external");
                }
                yield ControllerDataPlane.open(new KernelController(exec), spec, () -> {
                });
            }
            case EXTERNAL -> {
                UapiController uapi = new UapiController(exec, UapiController.Settings.defaults().withBinary(config.externalBinary()));
                yield ControllerDataPlane.open(uapi, spec, uapi::close);
            }
            case USERSPACE -> {
                UserspaceController userspace = new UserspaceController(spec.filter(), exec, UapiServer.DEFAULT_DIRECTORY);
                yield ControllerDataPlane.open(userspace, spec, userspace::close);
            }
            case AUTO -> throw new IllegalStateException("wireguard.mode auto reached the data plane unresolved");
        };
    }

    public Wiring withFirewall(FirewallFactory factory) {
        return new Wiring(factory, dataPlane, services, controlPlane, kernelProbe);
    }

    public Wiring withDataPlane(DataPlaneFactory factory) {
        return new Wiring(firewall, factory, services, controlPlane, kernelProbe);
    }

    public Wiring withServices(ServiceFilterFactory factory) {
        return new Wiring(firewall, dataPlane, factory, controlPlane, kernelProbe);
    }

    public Wiring withControlPlane(ControlPlaneFactory factory) {
        return new Wiring(firewall, dataPlane, services, factory, kernelProbe);
    }

    public Wiring withKernelProbe(KernelProbe probe) {
        return new Wiring(firewall, dataPlane, services, controlPlane, probe);
    }
}
