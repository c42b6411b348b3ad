package dev.plexd.service.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code plexd service}: edits and inspects the service access policy under
 * {@code <config dir>/services/}. Exit codes: 0 done, 1 bad usage or the command could not be
 * carried out (unsafe name, rule that does not parse, unwritable directory), 2 the policy files
 * are invalid (each problem printed as {@code file:line: message (token)}).
 */
@Command(name = "service",
        mixinStandardHelpOptions = true,
        description = "Manage service access policies: which TCP/UDP ports mesh peers may reach on this node.",
        exitCodeOnInvalidInput = ServiceCommand.USAGE,
        exitCodeOnExecutionException = ServiceCommand.USAGE,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:bad usage, or the command could not be carried out",
                "2:the policy files are invalid (problems printed as file:line: message (token))"},
        subcommands = {
                ServiceCommands.Allow.class,
                ServiceCommands.Deny.class,
                ServiceCommands.Remove.class,
                ServiceCommands.Default.class,
                ServiceCommands.ListPolicies.class,
                ServiceCommands.Show.class,
                ServiceCommands.Check.class,
                ServiceCommands.Reset.class,
                ServiceCommands.Reload.class})
public final class ServiceCommand implements Callable<Integer> {

    public static final int OK = 0;
    public static final int USAGE = 1;
    public static final int BAD_POLICY = 2;

    public static final String DEFAULT_CONFIG_DIR = "/etc/plexd";
    public static final String CONFIG_DIR_ENV = "PLEXD_CONFIG_DIR";

    @Option(names = "--config-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Configuration directory (default: $" + CONFIG_DIR_ENV + ", else " + DEFAULT_CONFIG_DIR + ").")
    Path configDirOption;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return OK;
    }

    Path configDir() {
        return resolveConfigDir(configDirOption, System.getenv());
    }

    /** {@code --config-dir}, else {@code $PLEXD_CONFIG_DIR}, else {@code /etc/plexd}. */
    static Path resolveConfigDir(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get(CONFIG_DIR_ENV);
        return Path.of(fromEnv != null && !fromEnv.isBlank() ? fromEnv : DEFAULT_CONFIG_DIR);
    }
}
