package dev.plexd.service;

import dev.plexd.service.filter.ServiceFilter;
import dev.plexd.service.kernel.KernelServiceRules;
import dev.plexd.service.policy.PolicyError;
import dev.plexd.service.policy.PolicyException;
import dev.plexd.service.policy.PolicyLoader;
import dev.plexd.service.policy.PolicySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Service access control as the daemon runs it: loads {@code <config dir>/services/}, compiles it
 * with the peer directory into the {@link ServiceFilter} the userspace data plane calls (and, in
 * kernel mode, into nftables rules), reloads when the files change, on {@link #reload()} (SIGHUP,
 * the local API), and when the control plane's peers change ({@link #updatePeers}).
 *
 * <p>A reload that finds any problem changes nothing: the last good policy stays in force, the
 * problems are logged and shown by {@link #status()}. When no good policy was ever loaded, the
 * policy in force denies everything but ICMP, so a bad file never fails open.
 */
public final class ServiceAccess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceAccess.class);

    private final Path configDir;
    private final ServiceFilter filter = new ServiceFilter();
    private final KernelServiceRules kernel;
    private final Clock clock;
    private PolicyWatcher watcher;
    private ScheduledExecutorService dropLogger;

    // Guarded by this.
    private PolicySet inForce;
    private PeerDirectory directory = PeerDirectory.EMPTY;
    private Instant lastAttempt;
    private Instant lastSuccess;
    /** Problems of the files on disk (last reload), and of applying a policy (compile, peers, kernel). */
    private List<String> fileErrors = List.of();
    private List<String> applyErrors = List.of();
    private List<String> kernelWarnings = List.of();

    /** Userspace enforcement only: the data plane calls {@link #filter()}. */
    public ServiceAccess(Path configDir) {
        this(configDir, null, Clock.systemUTC());
    }

    /**
     * @param kernel nftables enforcement for a kernel WireGuard data plane, or null for userspace only
     */
    public ServiceAccess(Path configDir, KernelServiceRules kernel, Clock clock) {
        this.configDir = configDir;
        this.kernel = kernel;
        this.clock = clock;
    }

    /** The per-packet filter to hand to the userspace data plane. */
    public ServiceFilter filter() {
        return filter;
    }

    /**
     * Loads the policy, then watches the files and logs sampled drops once a second. Problems in the
     * files do not fail the start: they are reported and the filter stays closed until they are fixed.
     */
    public void start() throws IOException {
        reload();
        watcher = new PolicyWatcher(configDir, this::reload);
        watcher.start();
        dropLogger = Executors.newSingleThreadScheduledExecutor(
                runnable -> Thread.ofPlatform().daemon(true).name("service-drop-log").unstarted(runnable));
        dropLogger.scheduleAtFixedRate(filter::logDrops, 1, 1, TimeUnit.SECONDS);
    }

    /** Reads and applies the files now. Called by the watcher, on SIGHUP and from the local API. */
    public synchronized ServiceStatus reload() {
        long started = System.nanoTime();
        lastAttempt = clock.instant();
        PolicySet set;
        try {
            set = PolicyLoader.load(configDir);
        } catch (PolicyException e) {
            fileErrors = messages(e);
            reject(fileErrors);
            return status();
        }
        fileErrors = List.of();
        if (apply(set, directory)) {
            log.atInfo()
                    .addKeyValue("generation", filter.generation())
                    .addKeyValue("default", set.defaultAction().keyword())
                    .addKeyValue("rules", set.allRules().size())
                    .addKeyValue("duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .log(set.configured() ? "service policy loaded" : "no services/ directory: service access unrestricted");
        }
        return status();
    }

    /** The control plane's peers changed: recompile the policy in force for them. */
    public synchronized void updatePeers(Collection<MeshPeer> peers) {
        lastAttempt = clock.instant();
        PeerDirectory updated;
        try {
            updated = PeerDirectory.of(peers);
        } catch (PolicyException e) {
            applyErrors = messages(e);
            reject(applyErrors);
            return;
        }
        for (String warning : updated.warnings()) {
            log.atWarn().log(warning);
        }
        if (inForce == null) {
            directory = updated;
            failClosed();
            return;
        }
        apply(inForce, updated);
    }

    /** Installs a policy in the filter and the kernel; true when everything took. */
    private boolean apply(PolicySet set, PeerDirectory peers) {
        try {
            filter.install(set, peers);
            if (kernel != null) {
                kernelWarnings = kernel.apply(set, peers);
                kernelWarnings.forEach(warning -> log.atWarn().log(warning));
            }
        } catch (PolicyException e) {
            applyErrors = messages(e);
            reject(applyErrors);
            return false;
        } catch (IOException e) {
            applyErrors = List.of("kernel rules: " + e.getMessage());
            reject(applyErrors);
            return false;
        }
        inForce = set;
        directory = peers;
        applyErrors = List.of();
        lastSuccess = clock.instant();
        return true;
    }

    private static List<String> messages(PolicyException e) {
        return e.errors().stream().map(PolicyError::toString).toList();
    }

    private void reject(List<String> problems) {
        for (String problem : problems) {
            log.atError().addKeyValue("problem", problem).log("service policy rejected");
        }
        if (inForce == null) {
            // Never had a good policy: make sure nothing is open, in the kernel too.
            failClosed();
            log.atError().log("no good service policy yet: denying all inbound mesh traffic but ICMP until the files are fixed");
        } else {
            log.atError().addKeyValue("generation", filter.generation()).log("the last good service policy stays in force");
        }
    }

    private void failClosed() {
        try {
            filter.install(PolicySet.DENY_ALL, directory);
            if (kernel != null) {
                kernel.apply(PolicySet.DENY_ALL, directory);
            }
        } catch (PolicyException | IOException e) {
            applyErrors = List.of("cannot apply deny-all: " + e.getMessage());
        }
    }

    public synchronized ServiceStatus status() {
        PolicySet set = inForce == null ? PolicySet.DENY_ALL : inForce;
        List<String> warnings = new ArrayList<>(directory.warnings());
        warnings.addAll(kernelWarnings);
        List<String> problems = new ArrayList<>(fileErrors);
        problems.addAll(applyErrors);
        if (filter.bindError() != null) {
            problems.add(filter.bindError().getMessage());
        }
        return new ServiceStatus(problems.isEmpty(), kernel == null ? "userspace" : "kernel", configDir.toString(),
                set.configured(), set.defaultAction().keyword(), set.allRules().size(), set.peers().size(),
                set.orgs().size(), filter.generation(), lastAttempt, lastSuccess, problems, warnings);
    }

    /**
     * Stops watching and logging. Kernel rules stay in place (removing them would open the mesh
     * interface while WireGuard may still be up); {@link KernelServiceRules#remove()} tears them down.
     */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        if (dropLogger != null) {
            dropLogger.shutdownNow();
            filter.logDrops();
        }
    }
}
