package dev.plexd;

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
        subcommands = {CommandLine.HelpCommand.class, ServiceCommand.class, TunnelCommand.class})
public final class Main implements Callable<Integer> {

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "json|text",
            description = "Log line format (default: json for the daemon).")
    LogSetup.Format logFormat;

    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "trace, debug, info, warn, error (default: info).")
    String logLevel;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Builds the command tree; tests run commands through this. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
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
