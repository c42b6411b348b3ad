package dev.plexd.firewall;

import dev.plexd.firewall.IptablesRuleset.Family;
import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The iptables backend, for hosts without nftables: the same rules and semantics as
 * {@link NftablesFirewall}, written with {@code iptables-restore --noflush} and
 * {@code ip6tables-restore --noflush} (see {@link IptablesRuleset}). Each family is replaced in
 * one transaction that rewrites plexd's chains of that family; a family whose rules did not change
 * (and that nobody changed since) is not written at all. If IPv6 is rejected after IPv4 was
 * written, the IPv4 chains are put back as they were, so a failed apply leaves both families as
 * before.
 *
 * <p>After each write it keeps plexd's lines of {@code iptables-save}; {@link #repairDrift}
 * rewrites a family whose lines differ from them.
 */
public final class IptablesFirewall implements ManagedFirewall {

    private static final Logger log = LoggerFactory.getLogger(IptablesFirewall.class);

    private final Exec exec;
    private final StatsRecorder stats = new StatsRecorder();
    /** Per chain, the rules last applied (the desired state for drift repair). */
    private final Map<String, Applied> applied = new HashMap<>();
    /** Per chain and family, what the last write left in the kernel. */
    private final Map<String, Map<Family, Written>> written = new HashMap<>();

    /**
     * @param lines  plexd's lines of {@code iptables-save} right after the write
     * @param intent the interface and policy rules written; null when the chains were restored or
     *               removed instead
     */
    private record Written(List<String> lines, String intent) {
    }

    /**
     * @param iface   null when no rule ever named the interface: nothing jumps to the chain then
     * @param flushed the chain was flushed: it exists, empty, and nothing jumps to it
     */
    private record Applied(String iface, List<CompiledRule> rules, boolean flushed) {
    }

    /** What one script write did. */
    private record Write(int rules, String script) {
    }

    public IptablesFirewall(Exec exec) {
        this.exec = Objects.requireNonNull(exec, "exec");
    }

    @Override
    public String backend() {
        return "iptables";
    }

    @Override
    public synchronized void ensureChain(String chain) throws FirewallException {
        RuleCompiler.validateChain(chain);
        for (Family family : Family.values()) {
            if (!IptablesRuleset.present(chain, ownLines(chain, family)).chains().contains(chain)) {
                restore(chain, family, "*filter\n:" + chain + " - [0:0]\nCOMMIT\n");
            }
        }
    }

    @Override
    public synchronized void applyRules(String chain, List<FirewallRule> rules) throws FirewallException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            RuleCompiler.validateChain(chain);
            RuleCompiler.Compiled compiled = RuleCompiler.compile(chain, rules);
            Applied previous = applied.get(chain);
            String iface = compiled.iface() != null ? compiled.iface() : previous == null ? null : previous.iface();
            Applied next = new Applied(iface, compiled.rules(), false);
            Map<Family, List<String>> before = new EnumMap<>(Family.class);
            List<Write> writes = new ArrayList<>();
            for (Family family : Family.values()) {
                before.put(family, ownLines(chain, family));
                try {
                    writes.add(write(chain, family, next, before.get(family)));
                } catch (FirewallException e) {
                    throw rollBack(chain, before, family, e);
                }
            }
            applied.put(chain, next);
            stats.transaction(writes.stream().mapToInt(Write::rules).sum(),
                    writes.stream().mapToInt(w -> (int) w.script().chars().filter(c -> c == '\n').count()).sum(),
                    writes.stream().mapToInt(w -> w.script().length()).sum());
            ok = true;
            log.atInfo().addKeyValue("chain", chain).addKeyValue("rules", compiled.rules().size())
                    .addKeyValue("skipped_rules", compiled.skipped())
                    .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                    .log("iptables rules applied");
        } finally {
            stats.applied(start, ok);
        }
    }

    /**
     * Removes everything that enforces the chain's rules (its rules, the jumps to it), leaving the
     * chain empty; mesh traffic is no longer filtered afterwards. Does nothing when it does not exist.
     */
    @Override
    public synchronized void flushChain(String chain) throws FirewallException {
        remove(chain, true);
        applied.put(chain, new Applied(null, List.of(), true));
    }

    /** Deletes the chain and its dispatch chains and jumps; does nothing when they do not exist. */
    @Override
    public synchronized void deleteChain(String chain) throws FirewallException {
        remove(chain, false);
        applied.remove(chain);
        written.remove(chain);
    }

    @Override
    public synchronized boolean repairDrift() throws FirewallException {
        boolean repaired = false;
        for (Map.Entry<String, Applied> entry : applied.entrySet()) {
            String chain = entry.getKey();
            for (Family family : Family.values()) {
                List<String> now = ownLines(chain, family);
                Written expected = written.getOrDefault(chain, Map.of()).get(family);
                if (expected != null && now.equals(expected.lines())) {
                    continue;
                }
                if (entry.getValue().flushed()) {
                    remove(chain, family, true, now);
                } else {
                    write(chain, family, entry.getValue(), now);
                }
                stats.driftRepaired();
                repaired = true;
                log.atWarn().addKeyValue("chain", chain).addKeyValue("family", family.tool)
                        .log("iptables rules were changed outside plexd; restored");
            }
        }
        return repaired;
    }

    @Override
    public synchronized FirewallStats stats() {
        return stats.snapshot();
    }

    private Write write(String chain, Family family, Applied rules, List<String> own) throws FirewallException {
        List<String> policy = IptablesRuleset.policyRules(chain, family, rules.rules());
        String intent = rules.iface() + "\n" + String.join("\n", policy);
        Written last = written.getOrDefault(chain, Map.of()).get(family);
        if (last != null && own.equals(last.lines()) && intent.equals(last.intent())) {
            return new Write(0, "");
        }
        String script = IptablesRuleset.apply(chain, rules.iface(), policy, IptablesRuleset.present(chain, own));
        restore(chain, family, script);
        remember(chain, family, intent);
        return new Write(policy.size(), script);
    }

    /** Puts the families already written back as they were, and says so in the exception. */
    private FirewallException rollBack(String chain, Map<Family, List<String>> before, Family failed, FirewallException cause) {
        List<String> notes = new ArrayList<>();
        for (Family family : Family.values()) {
            if (family == failed) {
                break;
            }
            try {
                List<String> now = ownLines(chain, family);
                restore(chain, family, IptablesRuleset.restore(chain, before.get(family), IptablesRuleset.present(chain, now)));
                remember(chain, family, null);
                notes.add(family.tool + " rules restored to the previous ones");
            } catch (FirewallException e) {
                notes.add(family.tool + " rules could NOT be restored: " + e.getMessage());
            }
        }
        String message = cause.getMessage() + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")");
        return new FirewallException(message, cause);
    }

    private void remove(String chain, boolean keepPolicyChain) throws FirewallException {
        RuleCompiler.validateChain(chain);
        for (Family family : Family.values()) {
            remove(chain, family, keepPolicyChain, ownLines(chain, family));
        }
    }

    private void remove(String chain, Family family, boolean keepPolicyChain, List<String> own) throws FirewallException {
        IptablesRuleset.Present present = IptablesRuleset.present(chain, own);
        if (!present.isEmpty()) {
            restore(chain, family, IptablesRuleset.remove(chain, keepPolicyChain, present));
        }
        remember(chain, family, null);
    }

    private void remember(String chain, Family family, String intent) throws FirewallException {
        written.computeIfAbsent(chain, c -> new EnumMap<>(Family.class)).put(family, new Written(ownLines(chain, family), intent));
    }

    private List<String> ownLines(String chain, Family family) throws FirewallException {
        Exec.Result result = run(List.of(family.save(), "-t", "filter"), null);
        if (!result.ok()) {
            throw new FirewallException("iptables: " + result.describeFailure());
        }
        return IptablesRuleset.ownLines(chain, result.stdout());
    }

    private void restore(String chain, Family family, String script) throws FirewallException {
        log.atTrace().addKeyValue("script", script).log(family.restore() + " transaction");
        Exec.Result result = run(List.of(family.restore(), "--noflush"), script);
        if (!result.ok()) {
            String why = result.stderr().strip().isEmpty() ? "exit code " + result.exitCode() : result.stderr().strip();
            throw new FirewallException(family.restore() + " rejected the transaction for chain \"" + chain
                    + "\"; the previous " + family.tool + " rules stay in force: " + why);
        }
    }

    private Exec.Result run(List<String> command, String stdin) throws FirewallException {
        try {
            return exec.run(command, stdin, Exec.DEFAULT_TIMEOUT);
        } catch (IOException e) {
            throw new FirewallException("iptables: could not run " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }
}
