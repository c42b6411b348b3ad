package dev.plexd.testing;

import dev.plexd.sys.Exec;
import dev.plexd.sys.Libc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace created for one test and deleted with it. Commands run in it through
 * {@link #exec()}; Java code runs in it through {@link #call}, on a thread that entered the
 * namespace, so sockets opened there are the namespace's own. Only addresses inside namespaces
 * (192.0.2.0/24, 198.51.100.0/24, 10.100.0.0/16, fd00::/8) are ever used.
 */
public final class NetNs implements AutoCloseable {

    private final String name;
    private final Exec exec;
    private final ExecutorService inside;
    private final List<Process> processes = new ArrayList<>();

    private NetNs(String name) throws IOException {
        this.name = name;
        Exec.host().run("ip", "netns", "add", name).orThrow();
        this.exec = Exec.inNetns(name);
        exec.run("ip", "link", "set", "lo", "up").orThrow();
        // No duplicate-address detection: addresses (link-local too) are usable the moment a link is up.
        exec.run("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0").orThrow();
        this.inside = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon(true).name("netns-" + name).unstarted(() -> {
            try {
                Libc.enterNetworkNamespace("/run/netns/" + name);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            r.run();
        }));
    }

    /** Creates {@code px<label><random>}; the label keeps concurrent test suites apart. */
    public static NetNs create(String label) throws IOException {
        String name = "px" + label + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        return new NetNs(name);
    }

    public String name() {
        return name;
    }

    public Exec exec() {
        return exec;
    }

    /** Runs a command in the namespace and fails the test with its stderr when it fails. */
    public Exec.Result sh(String... command) throws IOException {
        return exec.run(command).orThrow();
    }

    /** Runs Java code inside the namespace; sockets it creates live there. */
    public <T> T call(Callable<T> task) throws Exception {
        try {
            return inside.submit(task).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Starts a long-running command in the namespace; it is killed on {@link #close()}. */
    public Process spawn(String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", name));
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        processes.add(process);
        return process;
    }

    /**
     * Connects two namespaces with a veth pair and gives each end its addresses (CIDR notation,
     * IPv4 or IPv6), bringing both up.
     */
    public static void link(NetNs a, String aIface, List<String> aAddresses, NetNs b, String bIface, List<String> bAddresses)
            throws IOException {
        Exec.host().run("ip", "link", "add", aIface, "netns", a.name, "type", "veth", "peer", "name", bIface, "netns", b.name)
                .orThrow();
        for (String address : aAddresses) {
            a.addAddress(aIface, address);
        }
        for (String address : bAddresses) {
            b.addAddress(bIface, address);
        }
        a.sh("ip", "link", "set", aIface, "up");
        b.sh("ip", "link", "set", bIface, "up");
        awaitReachable(a, aAddresses, bAddresses);
    }

    /**
     * Returns once every address family both ends share passes a ping, so neighbour discovery
     * (about a second for the first IPv6 exchange on a new veth) never races a test's first packet.
     */
    private static void awaitReachable(NetNs from, List<String> fromAddresses, List<String> toAddresses) throws IOException {
        for (String to : toAddresses) {
            boolean v6 = to.contains(":");
            if (fromAddresses.stream().noneMatch(address -> address.contains(":") == v6)) {
                continue;
            }
            String target = to.substring(0, to.indexOf('/'));
            Exec.Result ping = from.exec.run("ping", "-c1", "-W3", target);
            if (!ping.ok()) {
                throw new IOException("link to " + target + " does not pass traffic: " + ping.describeFailure());
            }
        }
    }

    private void addAddress(String iface, String cidr) throws IOException {
        sh("ip", "addr", "add", cidr, "dev", iface);
    }

    @Override
    public void close() throws IOException {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        inside.shutdownNow();
        Exec.host().run("ip", "netns", "del", name);
    }
}
