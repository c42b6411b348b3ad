package dev.plexd;

import dev.plexd.controlplane.ControlPlaneCommand;
import dev.plexd.logging.LogSetup;
import dev.plexd.service.cli.ServiceCommand;
import dev.plexd.tunnel.TunnelCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.util.concurrent.Callable;

/** {@code plexd}: the single entry point; each area adds its subcommands. */
@Command(name = "plexd",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Mesh node daemon for WireGuard meshes.",
        subcommands = {CommandLine.HelpCommand.class,
                dev.plexd.daemon.UpCommand.class,
                dev.plexd.daemon.cli.StatusCommand.class,
                dev.plexd.daemon.cli.PeersCommand.class,
                dev.plexd.daemon.cli.PoliciesCommand.class,
                ServiceCommand.class,
                TunnelCommand.class,
                ControlPlaneCommand.class})
public final class Main implements Callable<Integer> {

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

    /** Builds the command tree; tests run commands through this. */
    public static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** The command tree with subcommands made by {@code factory} (tests substitute components). */
    public static CommandLine commandLine(CommandLine.IFactory factory) {
        Main root = new Main();
        CommandLine cli = new CommandLine(root, factory);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionStrategy(parsed -> {
            root.applyLogOptions(parsed.commandSpec().commandLine());
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"plexd " + Version.get(), "Java " + Runtime.version()};
        }
    }
}
