package dev.plexd.tunnel;

import dev.plexd.logging.LogSetup;
import dev.plexd.service.InboundFilter;
import dev.plexd.service.PeerDirectory;
import dev.plexd.service.filter.ServiceFilter;
import dev.plexd.service.policy.PolicyLoader;
import dev.plexd.tunnel.device.Device;
import dev.plexd.tunnel.device.DeviceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code plexd tunnel <iface>}: plexd's data plane as a standalone WireGuard interface, configured
 * with {@code wg} over its UAPI socket, like {@code wireguard-go <iface>}. For interop tests and
 * benchmarks. With {@code --services DIR} the real service filter runs at the decrypt → TUN
 * boundary with the policy in {@code DIR/services/} (no peer directory: global rules and the
 * default only); without it every packet passes. Runs in the foreground until SIGINT/SIGTERM.
 */
@Command(name = "tunnel", mixinStandardHelpOptions = true,
        description = "Run a standalone userspace WireGuard interface, configured with wg over its UAPI socket.")
public final class TunnelCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IFACE", description = "Interface to create (at most 15 characters).")
    String iface;

    @Option(names = "--mtu", defaultValue = "" + Device.DEFAULT_MTU, description = "Interface MTU (default: ${DEFAULT-VALUE}).")
    int mtu;

    @Option(names = "--no-offloads", description = "Do not take TCP super-packets from the kernel (to measure their effect).")
    boolean noOffloads;

    @Option(names = "--uapi-dir", defaultValue = "/var/run/wireguard", description = "UAPI socket directory (default: ${DEFAULT-VALUE}).")
    Path uapiDirectory;

    @Option(names = "--services", paramLabel = "DIR",
            description = "Filter inbound packets with the service policy in DIR/services/ (default: no filter).")
    Path servicesConfig;

    @Override
    public Integer call() throws Exception {
        LogSetup.configure(LogSetup.Format.TEXT, "info", LogSetup.Target.STDERR);
        InboundFilter filter = InboundFilter.ALLOW_ALL;
        if (servicesConfig != null) {
            ServiceFilter serviceFilter = new ServiceFilter();
            serviceFilter.install(PolicyLoader.load(servicesConfig), PeerDirectory.EMPTY);
            filter = serviceFilter;
        }
        DeviceOptions options = DeviceOptions.of(iface).withMtu(mtu).withOffloads(!noOffloads).withFilter(filter);
        UserspaceTunnel tunnel = UserspaceTunnel.open(options, null, uapiDirectory);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                tunnel.close();
            } catch (Exception e) {
                System.err.println("plexd tunnel: close failed: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "tunnel-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("plexd tunnel: " + tunnel.name() + " up; configure with: wg set " + tunnel.name() + " ...");
        stopped.await();
        return 0;
    }
}
