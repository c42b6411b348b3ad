package dev.plexd.service.cli;

import dev.plexd.service.filter.PolicyCompiler;
import dev.plexd.service.filter.PortVerdicts;
import dev.plexd.service.policy.Action;
import dev.plexd.service.policy.Decision;
import dev.plexd.service.policy.EffectivePolicy;
import dev.plexd.service.policy.PeerIdentity;
import dev.plexd.service.policy.PolicyException;
import dev.plexd.service.policy.PolicyFiles;
import dev.plexd.service.policy.PolicyLoader;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.service.policy.Protocol;
import dev.plexd.service.policy.Rule;
import dev.plexd.service.policy.RuleParser;
import dev.plexd.service.policy.RuleSyntaxException;
import dev.plexd.service.policy.SourcedRule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static dev.plexd.service.cli.ServiceCommand.BAD_POLICY;
import static dev.plexd.service.cli.ServiceCommand.OK;
import static dev.plexd.service.cli.ServiceCommand.USAGE;

/** The {@code plexd service} subcommands. Output texts follow the original where it defines them. */
final class ServiceCommands {

    private ServiceCommands() {
    }

    /** A command line the command cannot carry out: printed as {@code error: …}, exit 1. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** What every subcommand shares: the config directory, output streams, loading with error reports. */
    abstract static class Base implements Callable<Integer> {

        @ParentCommand
        ServiceCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public final Integer call() {
            try {
                return run();
            } catch (UsageException e) {
                return usage(e.getMessage());
            }
        }

        abstract int run();

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        Path configDir() {
            return parent.configDir();
        }

        /** The policy on disk, or null after printing its problems. */
        PolicySet load() {
            try {
                return PolicyLoader.load(configDir());
            } catch (PolicyException e) {
                printProblems(e);
                return null;
            }
        }

        void printProblems(PolicyException e) {
            e.errors().forEach(error -> err().println(error));
        }

        /** After an edit: exit 0 when the whole policy is valid, else print why and exit 2. */
        int checkWhole() {
            return load() == null ? BAD_POLICY : OK;
        }

        int usage(String message) {
            err().println("error: " + message);
            return USAGE;
        }

        PolicyFiles.Target target(String peer, String org) {
            if (peer != null && org != null) {
                throw new UsageException("--peer and --org are mutually exclusive");
            }
            try {
                if (peer != null) {
                    return new PolicyFiles.Target(PolicyFiles.Scope.PEER, peer);
                }
                if (org != null) {
                    return new PolicyFiles.Target(PolicyFiles.Scope.ORG, org);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            return new PolicyFiles.Target(PolicyFiles.Scope.GLOBAL, null);
        }

        Rule rule(List<String> words) {
            try {
                return RuleParser.parse(words);
            } catch (RuleSyntaxException e) {
                throw new UsageException("invalid rule: " + e.getMessage() + " (" + e.token() + ")");
            }
        }
    }

    /** {@code service allow|deny [--peer N | --org N] <tcp|udp|all> [<port|min-max|all>]}. */
    abstract static class AddRule extends Base {

        @Option(names = "--peer", paramLabel = "NAME", description = "Rule for one peer: node ID, alias or public key.")
        String peer;

        @Option(names = "--org", paramLabel = "NAME", description = "Rule for the members of an org.")
        String org;

        @Parameters(index = "0", paramLabel = "PROTO", description = "tcp, udp or all (TCP and UDP).")
        String protocol;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PORT",
                description = "A port, a range min-max, or all; may be left out after 'all'.")
        String port;

        abstract Action action();

        @Override
        int run() {
            PolicyFiles.Target target = target(peer, org);
            List<String> words = new ArrayList<>(List.of(action().keyword(), protocol));
            if (port != null) {
                words.add(port);
            }
            Rule rule = rule(words);
            PolicyFiles.Added added;
            try {
                added = new PolicyFiles(configDir()).addRule(target, rule);
            } catch (PolicyException e) {
                printProblems(e);
                return BAD_POLICY;
            } catch (IOException e) {
                return usage("cannot write " + target.file() + ": " + e.getMessage());
            }
            if (!added.written()) {
                out().println("Rule already present (" + target.describe() + "): " + rule);
            } else {
                out().println("Rule added (" + target.describe() + "): " + rule);
                added.shadowedBy().ifPresent(earlier -> err().println("warning: " + earlier.origin() + " (" + earlier.rule()
                        + ") comes first and matches every packet this rule matches; the new rule will never decide"));
            }
            return checkWhole();
        }
    }

    @Command(name = "allow", description = "Add an allow rule (global unless --peer or --org).",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Allow extends AddRule {
        @Override
        Action action() {
            return Action.ALLOW;
        }
    }

    @Command(name = "deny", description = "Add a deny rule (global unless --peer or --org).",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Deny extends AddRule {
        @Override
        Action action() {
            return Action.DENY;
        }
    }

    @Command(name = "remove", description = "Remove a rule, e.g. 'remove --peer node-1 allow tcp 5432'.",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Remove extends Base {

        @Option(names = "--peer", paramLabel = "NAME", description = "From the peer's file.")
        String peer;

        @Option(names = "--org", paramLabel = "NAME", description = "From the org's file.")
        String org;

        @Parameters(arity = "1..*", paramLabel = "RULE", description = "The rule: allow|deny tcp|udp|all port|min-max|all.")
        List<String> words;

        @Override
        int run() {
            PolicyFiles.Target target = target(peer, org);
            Rule rule = rule(words);
            boolean removed;
            try {
                removed = new PolicyFiles(configDir()).removeRule(target, rule);
            } catch (PolicyException e) {
                printProblems(e);
                return BAD_POLICY;
            } catch (IOException e) {
                return usage("cannot write " + target.file() + ": " + e.getMessage());
            }
            if (!removed) {
                return usage("rule not found (" + target.describe() + "): " + rule);
            }
            out().println("Rule removed (" + target.describe() + "): " + rule);
            return checkWhole();
        }
    }

    @Command(name = "default", description = "Set the action when no rule matches: allow or deny.",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Default extends Base {

        @Parameters(paramLabel = "allow|deny")
        String action;

        @Override
        int run() {
            Action parsed = Action.of(action);
            if (parsed == null) {
                return usage("default must be 'allow' or 'deny'");
            }
            try {
                new PolicyFiles(configDir()).setDefault(parsed);
            } catch (IOException e) {
                return usage("cannot write " + PolicySet.DEFAULT_FILE + ": " + e.getMessage());
            }
            out().println("Default policy set to: " + parsed);
            return checkWhole();
        }
    }

    @Command(name = "list", description = "List all policies.",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class ListPolicies extends Base {

        @Override
        int run() {
            PolicySet set = load();
            if (set == null) {
                return BAD_POLICY;
            }
            if (!hasPolicy(set)) {
                out().println("No service policies configured (default: allow all)");
                return OK;
            }
            PrintWriter out = out();
            out.println("Default: " + set.defaultAction());
            out.println();
            if (!set.global().isEmpty()) {
                section(out, "Global", set.global());
            }
            set.peers().forEach((name, rules) -> section(out, "Peer: " + name, rules));
            set.orgs().forEach((name, rules) -> section(out, "Org: " + name, rules));
            set.orgMembers().forEach((name, members) -> {
                out.println("[Org members: " + name + "]");
                members.forEach(member -> out.println("  " + member));
                out.println();
            });
            if (!set.aliases().isEmpty()) {
                out.println("[Aliases]");
                set.aliases().forEach((alias, target) -> out.println("  " + alias + " = " + target));
                out.println();
            }
            return OK;
        }

        private static void section(PrintWriter out, String title, List<SourcedRule> rules) {
            out.println("[" + title + "]");
            if (rules.isEmpty()) {
                out.println("  (no rules)");
            }
            rules.forEach(rule -> out.println("  " + rule.rule()));
            out.println();
        }
    }

    /** Whether anything restricts or names rules, as opposed to no directory or only aliases and member lists. */
    static boolean hasPolicy(PolicySet set) {
        return set.configured() && (set.defaultAction() == Action.DENY || !set.global().isEmpty()
                || !set.peers().isEmpty() || !set.orgs().isEmpty());
    }

    @Command(name = "show", description = "Summary, or the effective policy of one peer (TCP and UDP, org rules included).",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Show extends Base {

        @Parameters(arity = "0..1", paramLabel = "PEER", description = "Node ID, alias or public key.")
        String peer;

        @Override
        int run() {
            PolicySet set = load();
            if (set == null) {
                return BAD_POLICY;
            }
            PrintWriter out = out();
            if (peer == null) {
                out.println("Default: " + set.defaultAction());
                out.println("Global policy: " + (set.global().isEmpty() ? "no" : "yes"));
                out.println("Peer policies: " + set.peers().size());
                out.println("Org policies: " + set.orgs().size());
                return OK;
            }
            PeerIdentity identity = set.identify(peer);
            EffectivePolicy effective = set.effectiveFor(identity);
            out.println("Effective policy for '" + peer + "':");
            out.println();
            out.println("Peer files: " + (effective.key().peerFiles().isEmpty() ? "none"
                    : effective.key().peerFiles().stream().map(PolicySet::peerFile).collect(Collectors.joining(", "))));
            out.println("Orgs: " + (effective.memberOf().isEmpty() ? "none" : String.join(", ", effective.memberOf())));
            out.println("Rules, first match wins:");
            int width = effective.rules().stream().mapToInt(rule -> rule.origin().length()).max().orElse(0);
            width = Math.max(width, "default".length());
            for (SourcedRule rule : effective.rules()) {
                out.println("  " + pad(rule.origin(), width) + "  " + rule.rule());
            }
            out.println("  " + pad("default", width) + "  " + effective.defaultAction()
                    + (set.configured() ? "" : " (no services/ directory)"));
            out.println();
            PortVerdicts verdicts;
            try {
                verdicts = new PolicyCompiler().compile(set, List.of(identity)).policies().getFirst();
            } catch (PolicyException e) {
                printProblems(e);
                return BAD_POLICY;
            }
            out.println("TCP allowed: " + ports(verdicts, PortVerdicts.TCP, true));
            out.println("TCP denied:  " + ports(verdicts, PortVerdicts.TCP, false));
            out.println("UDP allowed: " + ports(verdicts, PortVerdicts.UDP, true));
            out.println("UDP denied:  " + ports(verdicts, PortVerdicts.UDP, false));
            return OK;
        }

        private static String ports(PortVerdicts verdicts, int protocol, boolean allow) {
            List<String> runs = verdicts.runs(protocol).stream().filter(run -> run.allow() == allow)
                    .map(run -> run.from() == 0 && run.to() == Rule.MAX_PORT ? "all"
                            : run.from() == run.to() ? Integer.toString(run.from()) : run.from() + "-" + run.to())
                    .toList();
            return runs.isEmpty() ? "none" : String.join(", ", runs);
        }

        private static String pad(String text, int width) {
            return text + " ".repeat(width - text.length());
        }
    }

    @Command(name = "check", description = "Would a packet from PEER to PROTO/PORT pass? Prints the verdict and the rule (file:line) or default that decided.",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Check extends Base {

        @Parameters(index = "0", paramLabel = "PEER", description = "Node ID, alias or public key.")
        String peer;

        @Parameters(index = "1", paramLabel = "PROTO", description = "tcp or udp.")
        String protocol;

        @Parameters(index = "2", paramLabel = "PORT", description = "0-65535.")
        String port;

        @Override
        int run() {
            Protocol parsed = Protocol.of(protocol);
            if (parsed == null || parsed == Protocol.ALL) {
                return usage("protocol must be tcp or udp (" + protocol + ")");
            }
            int number;
            try {
                int[] range = RuleParser.ports(port);
                if (range[0] != range[1]) {
                    return usage("give one port, not a range (" + port + ")");
                }
                number = range[0];
            } catch (RuleSyntaxException e) {
                return usage(e.getMessage() + " (" + e.token() + ")");
            }
            PolicySet set = load();
            if (set == null) {
                return BAD_POLICY;
            }
            Decision decision = set.effectiveFor(set.identify(peer)).decide(parsed, number);
            out().println(decision.action() + " (" + decision.origin() + ")");
            return OK;
        }
    }

    @Command(name = "reset", description = "Remove all policy files and the default (back to allow all); aliases and org member lists stay.",
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Reset extends Base {

        @Override
        int run() {
            boolean deleted;
            try {
                deleted = new PolicyFiles(configDir()).reset();
            } catch (IOException e) {
                return usage("cannot remove policy files: " + e.getMessage());
            }
            out().println(deleted ? "Service policies reset (default: allow all)" : "No service policies to reset.");
            return checkWhole();
        }
    }

    @Command(name = "reload", description = {
            "Validate and compile every policy file, then ask the running daemon to apply them now.",
            "Problems are printed as file:line: message (token)."},
            exitCodeOnInvalidInput = USAGE, exitCodeOnExecutionException = USAGE)
    static final class Reload extends Base {

        @Option(names = "--api-socket", paramLabel = "PATH",
                description = "The daemon's local API socket (default: ${DEFAULT-VALUE}).")
        Path apiSocket = UnixSocketReloadClient.DEFAULT_SOCKET;

        @Override
        int run() {
            PolicySet set = load();
            if (set == null) {
                return BAD_POLICY;
            }
            // Compile as every peer the files can name, so limits of the compiled filter are checked too.
            TreeSet<String> names = new TreeSet<>(set.peers().keySet());
            names.addAll(set.aliases().keySet());
            set.orgMembers().values().forEach(names::addAll);
            List<PeerIdentity> peers = names.stream().map(set::identify).toList();
            try {
                new PolicyCompiler().compile(set, peers);
            } catch (PolicyException e) {
                printProblems(e);
                return BAD_POLICY;
            }
            int files = (set.global().isEmpty() ? 0 : 1) + set.peers().size() + set.orgs().size();
            out().println(set.configured()
                    ? "Service policy OK: " + set.allRules().size() + " rules in " + files + " files (default: "
                    + set.defaultAction() + ")"
                    : "No service policies configured (default: allow all)");
            ReloadClient daemon = new UnixSocketReloadClient(apiSocket);
            ReloadClient.Outcome outcome;
            try {
                outcome = daemon.reload();
            } catch (IOException e) {
                return usage("cannot reach the daemon at " + apiSocket + ": " + e.getMessage());
            }
            return switch (outcome) {
                case ReloadClient.Outcome.NoDaemon(String where) -> {
                    out().println("No running daemon at " + where + ": the files are saved; a running daemon picks them up"
                            + " by its directory watcher, a starting one reads them.");
                    yield OK;
                }
                case ReloadClient.Outcome.Reloaded(List<String> errors) when errors.isEmpty() -> {
                    out().println("Daemon reloaded the service policy.");
                    yield OK;
                }
                case ReloadClient.Outcome.Reloaded(List<String> errors) -> {
                    err().println("The daemon rejected the files; its last good policy stays in force:");
                    errors.forEach(error -> err().println(error));
                    yield BAD_POLICY;
                }
                case ReloadClient.Outcome.Failed(int status, String body) ->
                        usage("the daemon answered HTTP " + status + (body.isEmpty() ? "" : ": " + body));
            };
        }
    }
}
