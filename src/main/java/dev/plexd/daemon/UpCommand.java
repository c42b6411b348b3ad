package dev.plexd.daemon;

import dev.plexd.Main;
import dev.plexd.daemon.config.ConfigException;
import dev.plexd.daemon.config.ConfigLoader;
import dev.plexd.daemon.config.DaemonConfig;
import dev.plexd.logging.LogSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code plexd up}: loads and validates the configuration, then runs the {@link Daemon} until SIGTERM/SIGINT. */
@Command(name = "up", description = "Run the node daemon (config: --config, PLEXD_* variables, --set).",
        mixinStandardHelpOptions = true)
public final class UpCommand implements Callable<Integer> {

    /** sysexits' EX_CONFIG: the systemd unit does not restart on it, as retrying cannot help. */
    public static final int EXIT_CONFIG = 78;
    public static final int EXIT_START_FAILED = 1;
    static final Path DEFAULT_CONFIG = Path.of("/etc/plexd/plexd.yaml");

    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

    @ParentCommand
    Main parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config file (default: $PLEXD_CONFIG, else /etc/plexd/plexd.yaml when it exists).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set wireguard.listen_port=51821 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--state-file", paramLabel = "FILE", description = "Same as --set state_file=FILE (local mode).")
    String stateFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Same as --set data_dir=DIR.")
    String dataDir;

    @Option(names = "--config-dir", paramLabel = "DIR", description = "Same as --set config_dir=DIR.")
    String configDir;

    @Option(names = "--control-plane-url", paramLabel = "URL", description = "Same as --set control_plane.url=URL.")
    String controlPlaneUrl;

    @Option(names = "--api-socket", paramLabel = "PATH", description = "Same as --set api.socket=PATH.")
    String apiSocket;

    @Option(names = "--check-config", description = "Validate the configuration, print every key's value and source, and exit.")
    boolean checkConfig;

    private final Map<String, String> env;
    private final Wiring wiring;

    public UpCommand() {
        this(System.getenv(), Wiring.builtIn());
    }

    UpCommand(Map<String, String> env, Wiring wiring) {
        this.env = env;
        this.wiring = wiring;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ConfigLoader.Result loaded;
        try {
            loaded = ConfigLoader.load(resolveConfigFile(), env, overrides());
        } catch (ConfigException e) {
            err.println("plexd: " + e.getMessage());
            err.flush();
            return EXIT_CONFIG;
        }
        DaemonConfig config = loaded.config();
        if (checkConfig) {
            loaded.effective().forEach((key, value) -> out.printf("%-36s %-28s %s%n", key,
                    value.text().isEmpty() ? "\"\"" : value.text(), value.source().name().toLowerCase(Locale.ROOT) + originOf(value)));
            loaded.warnings().forEach(w -> err.println("warning: " + w));
            out.println("configuration is valid");
            out.flush();
            err.flush();
            return 0;
        }
        LogSetup.configure(config.log().format(), config.log().level(), LogSetup.Target.STDOUT);
        loaded.warnings().forEach(w -> log.atWarn().addKeyValue("warning", w).log("configuration warning"));
        shareCapabilities();
        return run(new Daemon(config, wiring), err);
    }

    /** On the main thread, before the daemon's threads exist, so they and the tools they run inherit it. */
    private static void shareCapabilities() {
        try {
            var raised = Capabilities.raiseAmbient(Capabilities.CAP_NET_ADMIN, Capabilities.CAP_NET_RAW);
            if (raised.contains(Capabilities.CAP_NET_ADMIN)) {
                log.atDebug().addKeyValue("capabilities", raised.toString()).log("network capabilities made ambient for the tools plexd runs");
            } else {
                log.warn("CAP_NET_ADMIN is not held: configuring interfaces and firewall rules will fail (run as root, "
                        + "or with AmbientCapabilities=CAP_NET_ADMIN, or the container's --cap-add NET_ADMIN)");
            }
        } catch (IOException e) {
            log.atWarn().setCause(e).log("cannot make the network capabilities ambient; the tools plexd runs may lack them");
        }
    }

    private static String originOf(ConfigLoader.Value value) {
        return switch (value.source()) {
            case DEFAULT, CLI -> "";
            case FILE, ENV -> " (" + value.origin() + ")";
        };
    }

    /**
     * The JVM installs no handler for a signal its parent ignored (e.g. SIGHUP under {@code nohup},
     * SIGINT for a background job of a script): the operator is told what then does not work.
     */
    private static void handle(String name, SignalHandler handler, String lost) {
        if (Signal.handle(new Signal(name), handler) == SignalHandler.SIG_IGN) {
            log.atWarn().addKeyValue("signal", "SIG" + name)
                    .log("signal ignored since plexd started (by its parent), no handler installed: " + lost);
        }
    }

    /**
     * Runs until SIGTERM or SIGINT; SIGHUP reloads the service policies. A stop signal during the
     * start (e.g. a first registration waiting for an unreachable control plane) interrupts it.
     */
    private static int run(Daemon daemon, PrintWriter err) {
        CountDownLatch stop = new CountDownLatch(1);
        Thread starter = Thread.currentThread();
        AtomicBoolean starting = new AtomicBoolean(true);
        SignalHandler onStop = s -> {
            stop.countDown();
            if (starting.get()) {
                starter.interrupt();
            }
        };
        handle("TERM", onStop, "SIGTERM will not stop plexd cleanly");
        handle("INT", onStop, "SIGINT will not stop plexd");
        handle("HUP", s -> Thread.ofVirtual().name("sighup").start(() -> {
            log.info("SIGHUP: reloading service policies");
            try {
                daemon.reloadServices();
            } catch (Exception e) {
                log.atWarn().setCause(e).log("service policy reload failed");
            }
        }), "SIGHUP will not reload service policies (use `plexd service reload`)");
        try {
            daemon.start();
        } catch (ComponentUnavailableException e) {
            log.atError().addKeyValue("error", e.getMessage()).log("plexd failed to start");
            err.println("plexd: failed to start: " + e.getMessage());
            err.flush();
            return EXIT_START_FAILED;
        } catch (Exception e) {
            if (stop.getCount() == 0) {
                log.info("stopped while starting");
                return 0;
            }
            log.atError().setCause(e).log("plexd failed to start");
            err.println("plexd: failed to start: " + e.getMessage());
            err.flush();
            return EXIT_START_FAILED;
        } finally {
            starting.set(false);
            Thread.interrupted(); // a stop signal racing the end of the start: the latch has it
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return daemon.stop() ? 0 : EXIT_START_FAILED;
    }

    private Path resolveConfigFile() {
        if (configFile != null) {
            return configFile;
        }
        String fromEnv = env.get("PLEXD_CONFIG");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv);
        }
        return Files.exists(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null;
    }

    /** Direct flags first, then --set, so an explicit --set of the same key wins. */
    private List<String> overrides() {
        List<String> all = new ArrayList<>();
        addIfSet(all, "state_file", stateFile);
        addIfSet(all, "data_dir", dataDir);
        addIfSet(all, "config_dir", configDir);
        addIfSet(all, "control_plane.url", controlPlaneUrl);
        addIfSet(all, "api.socket", apiSocket);
        if (parent != null && parent.logFormat() != null) {
            all.add("log.format=" + parent.logFormat().name().toLowerCase(Locale.ROOT));
        }
        addIfSet(all, "log.level", parent == null ? null : parent.logLevel());
        all.addAll(sets);
        return all;
    }

    private static void addIfSet(List<String> all, String key, String value) {
        if (value != null) {
            all.add(key + "=" + value);
        }
    }
}
