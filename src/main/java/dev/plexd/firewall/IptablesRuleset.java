package dev.plexd.firewall;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code iptables-restore --noflush} scripts of the iptables backend, one per address family.
 *
 * <p>plexd owns, in table {@code filter}, the policy chain {@code C} and the dispatch chains
 * {@code C-input}, {@code C-output}, {@code C-forward}; the built-in chains INPUT, OUTPUT and
 * FORWARD each get one unconditional jump to their dispatch chain, inserted first. A dispatch chain
 * sends traffic in or out of the mesh interface to {@code C}, so changing the interface rewrites
 * only plexd's chains. {@code C} mirrors the nftables chain: established and related return,
 * invalid drop, IPv6 neighbour discovery returns, the rules in their order, then drop.
 *
 * <p>An allowed packet RETURNs rather than ACCEPTs: it goes on through the host's own rules, as it
 * does with nftables where plexd's table is one of several. plexd only ever takes traffic away.
 *
 * <p>Declaring a chain ({@code :C - [0:0]}) in a {@code --noflush} restore creates or empties it,
 * so one script replaces every rule of plexd's chains, atomically per family.
 */
final class IptablesRuleset {

    static final List<String> BUILT_IN = List.of("INPUT", "OUTPUT", "FORWARD");

    private static final List<String> ND_TYPES = List.of(
            "router-solicitation", "router-advertisement", "neighbour-solicitation", "neighbour-advertisement");

    enum Family {
        V4("iptables", "/32"),
        V6("ip6tables", "/128");

        final String tool;
        final String hostSuffix;

        Family(String tool, String hostSuffix) {
            this.tool = tool;
            this.hostSuffix = hostSuffix;
        }

        String restore() {
            return tool + "-restore";
        }

        String save() {
            return tool + "-save";
        }

        boolean matches(CompiledRule rule) {
            return switch (rule.family()) {
                case ANY -> true;
                case V4 -> this == V4;
                case V6 -> this == V6;
            };
        }
    }

    /** Our chains in the kernel: which exist and how many jumps each built-in chain has to its dispatch chain. */
    record Present(List<String> chains, List<String> jumps) {
        boolean isEmpty() {
            return chains.isEmpty() && jumps.isEmpty();
        }
    }

    private IptablesRuleset() {
    }

    static List<String> chains(String chain) {
        List<String> names = new ArrayList<>(List.of(chain));
        BUILT_IN.forEach(b -> names.add(dispatch(chain, b)));
        return names;
    }

    static String dispatch(String chain, String builtIn) {
        return chain + "-" + builtIn.toLowerCase(java.util.Locale.ROOT);
    }

    static String jump(String chain, String builtIn) {
        return "-A " + builtIn + " -j " + dispatch(chain, builtIn);
    }

    /** The policy chain's rules for one family, as {@code -A} lines. */
    static List<String> policyRules(String chain, Family family, List<CompiledRule> rules) {
        List<String> lines = new ArrayList<>();
        String a = "-A " + chain + " ";
        lines.add(a + "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN");
        lines.add(a + "-m conntrack --ctstate INVALID -j DROP");
        if (family == Family.V6) {
            for (String type : ND_TYPES) {
                lines.add(a + "-p ipv6-icmp -m icmp6 --icmpv6-type " + type + " -m hl --hl-eq 255 -j RETURN");
            }
        }
        for (CompiledRule rule : rules) {
            if (family.matches(rule)) {
                lines.add(a + match(rule, family) + "-j " + (rule.allow() ? "RETURN" : "DROP"));
            }
        }
        lines.add(a + "-j DROP");
        return lines;
    }

    /**
     * Replaces plexd's chains for one family with these rules, or with {@code iface} null removes
     * the jumps and dispatch chains (nothing reaches the policy chain then).
     */
    static String apply(String chain, String iface, List<String> policyRules, Present present) {
        StringBuilder out = new StringBuilder("*filter\n");
        out.append(':').append(chain).append(" - [0:0]\n");
        if (iface == null) {
            removeDispatch(out, chain, present);
        } else {
            BUILT_IN.forEach(b -> out.append(':').append(dispatch(chain, b)).append(" - [0:0]\n"));
        }
        policyRules.forEach(line -> out.append(line).append('\n'));
        if (iface != null) {
            String in = " -i " + iface + " -j " + chain + "\n";
            String outgoing = " -o " + iface + " -j " + chain + "\n";
            out.append("-A ").append(dispatch(chain, "INPUT")).append(in);
            out.append("-A ").append(dispatch(chain, "OUTPUT")).append(outgoing);
            out.append("-A ").append(dispatch(chain, "FORWARD")).append(in);
            out.append("-A ").append(dispatch(chain, "FORWARD")).append(outgoing);
            for (String builtIn : BUILT_IN) {
                if (!present.jumps().contains(jump(chain, builtIn))) {
                    out.append("-I ").append(builtIn).append(" 1 -j ").append(dispatch(chain, builtIn)).append('\n');
                }
            }
        }
        return out.append("COMMIT\n").toString();
    }

    /** Removes what exists of plexd's chains for {@code chain}: all of it, or all but an empty policy chain. */
    static String remove(String chain, boolean keepPolicyChain, Present present) {
        StringBuilder out = new StringBuilder("*filter\n");
        if (present.chains().contains(chain)) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        removeDispatch(out, chain, present);
        if (!keepPolicyChain && present.chains().contains(chain)) {
            out.append("-X ").append(chain).append('\n');
        }
        return out.append("COMMIT\n").toString();
    }

    /**
     * Puts plexd's chains for one family back exactly as {@code before} (their lines from
     * {@code iptables-save}) after a later step failed, undoing what {@code now} has in addition.
     */
    static String restore(String chain, List<String> before, Present now) {
        Present old = present(chain, before);
        StringBuilder out = new StringBuilder("*filter\n");
        now.chains().forEach(name -> out.append(':').append(name).append(" - [0:0]\n"));
        for (String builtIn : BUILT_IN) {
            String jump = jump(chain, builtIn);
            long extra = now.jumps().stream().filter(jump::equals).count() - old.jumps().stream().filter(jump::equals).count();
            for (long i = 0; i < extra; i++) {
                out.append("-D ").append(builtIn).append(" -j ").append(dispatch(chain, builtIn)).append('\n');
            }
        }
        // Dispatch chains first: they jump to the policy chain.
        chains(chain).reversed().stream().filter(name -> now.chains().contains(name) && !old.chains().contains(name))
                .forEach(name -> out.append("-X ").append(name).append('\n'));
        old.chains().stream().filter(name -> !now.chains().contains(name))
                .forEach(name -> out.append(':').append(name).append(" - [0:0]\n"));
        before.stream().filter(line -> line.startsWith("-A ") && !old.jumps().contains(line))
                .forEach(line -> out.append(line).append('\n'));
        for (String builtIn : BUILT_IN) {
            String jump = jump(chain, builtIn);
            long missing = old.jumps().stream().filter(jump::equals).count() - now.jumps().stream().filter(jump::equals).count();
            for (long i = 0; i < missing; i++) {
                out.append("-I ").append(builtIn).append(" 1 -j ").append(dispatch(chain, builtIn)).append('\n');
            }
        }
        return out.append("COMMIT\n").toString();
    }

    private static void removeDispatch(StringBuilder out, String chain, Present present) {
        for (String builtIn : BUILT_IN) {
            String dispatch = dispatch(chain, builtIn);
            for (String jump : present.jumps()) {
                if (jump.equals(jump(chain, builtIn))) {
                    out.append("-D ").append(builtIn).append(" -j ").append(dispatch).append('\n');
                }
            }
            if (present.chains().contains(dispatch)) {
                out.append(':').append(dispatch).append(" - [0:0]\n").append("-X ").append(dispatch).append('\n');
            }
        }
    }

    /**
     * Reads {@code iptables-save -t filter}: which of plexd's chains exist, the jumps to them, and
     * every line that is plexd's (the reference for drift detection).
     */
    static Present present(String chain, List<String> ownLines) {
        List<String> chains = new ArrayList<>();
        List<String> jumps = new ArrayList<>();
        for (String line : ownLines) {
            if (line.startsWith(":")) {
                chains.add(line.substring(1));
            } else if (BUILT_IN.stream().anyMatch(b -> line.equals(jump(chain, b)))) {
                jumps.add(line);
            }
        }
        return new Present(chains, jumps);
    }

    /** The lines of an {@code iptables-save} dump that are plexd's, chain counters removed. */
    static List<String> ownLines(String chain, String save) {
        List<String> names = chains(chain);
        List<String> own = new ArrayList<>();
        for (String line : save.split("\n")) {
            String trimmed = line.strip();
            for (String name : names) {
                if (trimmed.startsWith(":" + name + " ")) {
                    own.add(":" + name);
                } else if (trimmed.startsWith("-A " + name + " ")) {
                    own.add(trimmed);
                }
            }
            if (BUILT_IN.stream().anyMatch(b -> trimmed.equals(jump(chain, b)))) {
                own.add(trimmed);
            }
        }
        return own;
    }

    private static String match(CompiledRule rule, Family family) {
        StringBuilder out = new StringBuilder();
        address(out, "-s", rule.src(), family);
        address(out, "-d", rule.dst(), family);
        if (!rule.protocol().isEmpty()) {
            out.append("-p ").append(rule.protocol()).append(' ');
            if (rule.port() > 0) {
                out.append("-m ").append(rule.protocol()).append(" --dport ").append(rule.port()).append(' ');
            }
        }
        return out.toString();
    }

    private static void address(StringBuilder out, String flag, Address address, Family family) {
        switch (address) {
            case Address.Any any -> {
            }
            case Address.Host host -> out.append(flag).append(' ').append(host).append(family.hostSuffix).append(' ');
            case Address.Prefix prefix -> out.append(flag).append(' ').append(prefix).append(' ');
        }
    }
}
