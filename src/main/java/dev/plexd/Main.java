package dev.plexd;

import dev.plexd.controlplane.ControlPlaneCommand;
import dev.plexd.logging.LogSetup;
import dev.plexd.service.cli.ServiceCommand;
import dev.plexd.tunnel.TunnelCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code plexd}: the single entry point; each area adds its subcommands. */
@Command(name = "plexd",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Mesh node daemon for WireGuard meshes.",
        subcommands = CommandLine.HelpCommand.class)
public final class Main implements Callable<Integer> {

    /** The subcommands, in the order {@code plexd --help} lists them. */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands(
            dev.plexd.daemon.UpCommand.class,
            dev.plexd.daemon.cli.StatusCommand.class,
            dev.plexd.daemon.cli.PeersCommand.class,
            dev.plexd.daemon.cli.PoliciesCommand.class,
            ServiceCommand.class,
            TunnelCommand.class,
            ControlPlaneCommand.class);

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "json|text",
            description = "Log line format (default: json for the daemon).")
    LogSetup.Format logFormat;

    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "trace, debug, info, warn, error (default: info).")
    String logLevel;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** --log-format as given on the command line, or null. */
    public LogSetup.Format logFormat() {
        return logFormat;
    }

    /** --log-level as given on the command line, or null. */
    public String logLevel() {
        return logLevel;
    }

    /**
     * Applies {@code --log-format}/{@code --log-level} before any subcommand runs, so every one logs
     * as asked; without them logback's defaults stay. {@code up} applies them again over its config.
     */
    private void applyLogOptions(CommandLine cli) {
        if (logFormat == null && logLevel == null) {
            return;
        }
        try {
            LogSetup.configure(logFormat == null ? LogSetup.Format.JSON : logFormat, logLevel == null ? "info" : logLevel,
                    LogSetup.Target.STDOUT);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--log-level: " + e.getMessage());
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Builds the whole command tree. */
    public static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** The whole command tree with subcommands made by {@code factory} (tests substitute components). */
    public static CommandLine commandLine(CommandLine.IFactory factory) {
        return commandLine(factory, SUBCOMMANDS.keySet());
    }

    /**
     * The command tree for these arguments: only the subcommands they name, or all when they name
     * none ({@code --help}, {@code --version}, a typo). Picocli builds every command it is given by
     * reflection, which was ~150 ms of {@code plexd up}'s start before the first enforcement; an
     * option value that happens to be a subcommand's name only adds that subcommand.
     */
    public static CommandLine commandLine(String... args) {
        Set<String> named = new HashSet<>(Arrays.asList(args));
        named.retainAll(SUBCOMMANDS.keySet());
        return commandLine(CommandLine.defaultFactory(), named.isEmpty() ? SUBCOMMANDS.keySet() : named);
    }

    private static CommandLine commandLine(CommandLine.IFactory factory, Set<String> subcommands) {
        Main root = new Main();
        CommandLine cli = new CommandLine(root, factory);
        SUBCOMMANDS.forEach((name, type) -> {
            if (subcommands.contains(name)) {
                cli.addSubcommand(name, type);
            }
        });
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionStrategy(parsed -> {
            root.applyLogOptions(parsed.commandSpec().commandLine());
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    private static Map<String, Class<?>> subcommands(Class<?>... types) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        for (Class<?> type : types) {
            byName.put(type.getAnnotation(Command.class).name(), type);
        }
        return byName;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"plexd " + Version.get(), "Java " + Runtime.version()};
        }
    }
}
