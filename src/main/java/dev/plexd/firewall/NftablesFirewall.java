package dev.plexd.firewall;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import dev.plexd.sys.Exec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The nftables backend: plexd's own table {@code inet plexd}, changed only by single
 * {@code nft -f -} transactions, incrementally. See {@link NftRuleset} for the objects it installs
 * and {@code docs/firewall.md} for the whole design.
 *
 * <p>It keeps what it last applied in memory, so an update sends only the difference: changing one
 * peer's policy at 10,000 peers is a couple of set elements. On first use of a chain it reads the
 * kernel ({@code nft -j list table inet plexd}) and adopts what is there, so a restarted daemon
 * changes the ruleset in place instead of removing and re-adding it. {@link #repairDrift} compares
 * the kernel with what was applied and restores anything someone else changed.
 *
 * <p>A rejected transaction changes nothing in the kernel: if the kernel turns out to differ from
 * what was believed applied, the update is computed again from the kernel's state and retried
 * once; otherwise the exception quotes nft's error and the previous rules stay in force.
 */
public final class NftablesFirewall implements ManagedFirewall {

    private static final Logger log = LoggerFactory.getLogger(NftablesFirewall.class);
    private static final int MAX_ERROR_CHARS = 4000;

    private final Exec exec;
    private final StatsRecorder stats = new StatsRecorder();
    private final Map<String, Unit> units = new HashMap<>();
    /** Per chain, the last rule list's build, reused by the next. */
    private final Map<String, NftRulesetCache> rulesets = new HashMap<>();
    /** Per chain, the rule expressions the kernel showed right after this instance wrote it. */
    private final Map<String, List<JsonNode>> written = new HashMap<>();
    private String lastTransaction = "";

    /** One policy chain and the objects serving it. */
    private static final class Unit {
        /** What the kernel holds of this chain, as far as this instance knows. */
        NftState applied;
        /** The mesh interface, kept when a rule list is empty so the chain keeps guarding it. */
        String iface;
        /** Whether {@link #applied} was set by this instance, so drift can be repaired toward it. */
        boolean authoritative;
        /** Whether a command ended without a clear outcome, so the kernel must be re-read first. */
        boolean stale;
    }

    public NftablesFirewall(Exec exec) {
        this.exec = Objects.requireNonNull(exec, "exec");
    }

    @Override
    public String backend() {
        return "nftables";
    }

    @Override
    public synchronized void ensureChain(String chain) throws FirewallException {
        RuleCompiler.validateChain(chain);
        Unit unit = unit(chain);
        if (unit.applied.chains().containsKey(chain)) {
            return;
        }
        Map<String, NftState.Chain> chains = new LinkedHashMap<>(unit.applied.chains());
        chains.put(chain, new NftState.Chain(chain, null, List.of()));
        commit(chain, unit, new NftState(chains, unit.applied.sets()), null);
    }

    @Override
    public synchronized void applyRules(String chain, List<FirewallRule> rules) throws FirewallException {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            RuleCompiler.validateChain(chain);
            NftRulesetCache cache = rulesets.computeIfAbsent(chain, NftRulesetCache::new);
            Unit unit = units.get(chain);
            NftRulesetCache.Build build = cache.build(unit == null ? null : unit.iface, rules);
            unit = unit(chain);
            NftState desired = build.state();
            // The build's element hint holds only against the state it was built after.
            NftTransaction tx = commit(chain, unit, desired, build.base() == unit.applied ? build.hint() : null);
            unit.iface = build.iface();
            unit.authoritative = true;
            ok = true;
            log.atInfo().addKeyValue("chain", chain).addKeyValue("rules", build.rules())
                    .addKeyValue("skipped_rules", build.skipped()).addKeyValue("elements", desired.elementCount())
                    .addKeyValue("elements_added", tx.elementsAdded()).addKeyValue("elements_deleted", tx.elementsDeleted())
                    .addKeyValue("chains_written", tx.chainsWritten().size())
                    .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000)
                    .log("nftables rules applied");
        } finally {
            stats.applied(start, ok);
        }
    }

    /**
     * Removes everything that enforces the chain's rules (its rules, the jumps to it, its sets),
     * leaving the chain empty. Mesh traffic is no longer filtered afterwards. Does nothing when
     * the chain does not exist.
     */
    @Override
    public synchronized void flushChain(String chain) throws FirewallException {
        RuleCompiler.validateChain(chain);
        NftKernel kernel = read(false);
        Unit unit = units.computeIfAbsent(chain, c -> new Unit());
        unit.applied = kernel.owned(chain, unit.applied == null ? NftState.EMPTY : unit.applied, written);
        unit.stale = false;
        NftState desired = kernel.chains().containsKey(chain)
                ? new NftState(Map.of(chain, new NftState.Chain(chain, null, List.of())), Map.of())
                : NftState.EMPTY;
        commit(chain, unit, desired, null);
        unit.iface = null;
        unit.authoritative = true;
    }

    /**
     * Deletes the chain and everything serving it; the table too when nothing else is left in it.
     * Does nothing when none of it exists.
     */
    @Override
    public synchronized void deleteChain(String chain) throws FirewallException {
        RuleCompiler.validateChain(chain);
        NftKernel kernel = read(false);
        NftState current = kernel.owned(chain, NftState.EMPTY, written);
        NftTransaction tx;
        if (!kernel.exists()) {
            tx = new NftTransaction("", 0, 0, Set.of());
        } else if (!kernel.holdsOthersThan(chain)) {
            tx = new NftTransaction("delete table " + NftState.TABLE_REF + "\n", 0, 0, Set.of());
        } else {
            tx = NftTransaction.between(current, NftState.EMPTY);
        }
        Exec.Result result = send(tx);
        if (result != null && !result.ok()) {
            throw rejected(chain, result);
        }
        units.remove(chain);
        rulesets.remove(chain);
        written.keySet().removeIf(name -> NftNames.ownedBy(chain, name));
    }

    @Override
    public synchronized boolean repairDrift() throws FirewallException {
        if (units.values().stream().noneMatch(u -> u.authoritative)) {
            return false;
        }
        NftKernel kernel = read(true);
        boolean repaired = false;
        for (Map.Entry<String, Unit> entry : units.entrySet()) {
            String chain = entry.getKey();
            Unit unit = entry.getValue();
            if (!unit.authoritative) {
                continue;
            }
            NftState actual = kernel.owned(chain, unit.applied, written);
            if (actual.equals(unit.applied)) {
                unit.stale = false;
                continue;
            }
            NftTransaction tx = NftTransaction.between(actual, unit.applied);
            Exec.Result result = send(tx);
            if (result != null && !result.ok()) {
                unit.stale = true;
                throw rejected(chain, result);
            }
            unit.stale = false;
            readBack(tx.chainsWritten(), unit.applied);
            stats.driftRepaired();
            repaired = true;
            log.atWarn().addKeyValue("chain", chain).addKeyValue("table_missing", !kernel.exists())
                    .addKeyValue("elements_restored", tx.elementsAdded()).addKeyValue("elements_removed", tx.elementsDeleted())
                    .addKeyValue("chains_rewritten", String.join(",", tx.chainsWritten()))
                    .log("nftables ruleset was changed outside plexd; restored");
        }
        return repaired;
    }

    @Override
    public synchronized FirewallStats stats() {
        return stats.snapshot();
    }

    /** The script of the last transaction sent; empty when the last operation changed nothing. */
    public synchronized String lastTransaction() {
        return lastTransaction;
    }

    private Unit unit(String chain) throws FirewallException {
        Unit unit = units.get(chain);
        if (unit == null) {
            unit = new Unit();
            unit.applied = read(true).owned(chain, NftState.EMPTY, written);
            if (!unit.applied.isEmpty()) {
                log.atInfo().addKeyValue("chain", chain).addKeyValue("chains", unit.applied.chains().size())
                        .addKeyValue("sets", unit.applied.sets().size()).addKeyValue("elements", unit.applied.elementCount())
                        .log("adopted the nftables objects already in the kernel; updates change them in place");
            }
            units.put(chain, unit);
        } else if (unit.stale) {
            unit.applied = read(true).owned(chain, unit.applied, written);
            unit.stale = false;
        }
        return unit;
    }

    /**
     * Makes the kernel hold {@code desired} for this chain, or throws with the kernel unchanged.
     * {@code hint}, when not null, says which elements differ between the applied state and it.
     */
    private NftTransaction commit(String chain, Unit unit, NftState desired, NftTransaction.ElementHint hint)
            throws FirewallException {
        NftTransaction tx = NftTransaction.between(unit.applied, desired, hint);
        Exec.Result result = send(tx);
        if (result != null && !result.ok()) {
            // A rejected transaction left the kernel as it was. If that is not what we believed
            // (someone changed it), the difference was computed from a wrong base: redo it once.
            NftState actual = read(true).owned(chain, unit.applied, written);
            if (actual.equals(unit.applied)) {
                throw rejected(chain, result);
            }
            log.atInfo().addKeyValue("chain", chain).log("nftables ruleset differed from the last applied; retrying from the kernel's state");
            unit.applied = actual;
            tx = NftTransaction.between(actual, desired);
            result = send(tx);
            if (result != null && !result.ok()) {
                throw rejected(chain, result);
            }
        }
        unit.applied = desired;
        readBack(tx.chainsWritten(), desired);
        return tx;
    }

    /**
     * Sends a transaction; null when it is empty. A command that could not run or finish leaves
     * the outcome unknown: the affected chains are re-read before their next change.
     */
    private Exec.Result send(NftTransaction tx) throws FirewallException {
        lastTransaction = tx.script();
        stats.transaction(tx.elements(), tx.lines(), tx.bytes());
        if (tx.isEmpty()) {
            return null;
        }
        log.atTrace().addKeyValue("script", tx.script()).log("nft transaction");
        try {
            return exec.run(List.of("nft", "-f", "-"), tx.script(), Exec.DEFAULT_TIMEOUT);
        } catch (IOException e) {
            units.values().forEach(u -> u.stale = true);
            throw new FirewallException("nftables: could not run nft: " + e.getMessage(), e);
        }
    }

    /** Records the kernel's form of the chains just written, the reference for drift detection. */
    private void readBack(Set<String> chains, NftState desired) {
        if (chains.isEmpty()) {
            return;
        }
        chains.forEach(written::remove);
        if (chains.stream().allMatch(name -> desired.chains().get(name).rules().isEmpty())) {
            chains.forEach(name -> written.put(name, List.of()));
            return;
        }
        try {
            NftKernel kernel = read(false);
            for (String name : chains) {
                NftKernel.KernelChain chain = kernel.chains().get(name);
                if (chain != null) {
                    written.put(name, List.copyOf(chain.expressions()));
                }
            }
        } catch (FirewallException e) {
            // Without a reference the next drift check rewrites these chains: harmless, so only warn.
            log.atWarn().addKeyValue("error", e.getMessage()).log("could not read back the chains just written");
        }
    }

    /** The table as the kernel holds it; {@code elements} false lists sets without their elements (fast). */
    private NftKernel read(boolean elements) throws FirewallException {
        List<String> command = elements
                ? List.of("nft", "-j", "list", "table", NftState.FAMILY, NftState.TABLE)
                : List.of("nft", "-j", "-t", "list", "table", NftState.FAMILY, NftState.TABLE);
        Exec.Result result;
        try {
            result = exec.run(command, null, Exec.DEFAULT_TIMEOUT);
        } catch (IOException e) {
            throw new FirewallException("nftables: could not run nft: " + e.getMessage(), e);
        }
        if (!result.ok()) {
            if (result.stderr().contains("No such file or directory")) {
                return NftKernel.ABSENT;
            }
            throw new FirewallException("nftables: could not list table " + NftState.TABLE_REF + ": "
                    + clip(result.describeFailure()));
        }
        try {
            return NftKernel.parse(result.stdout());
        } catch (IOException e) {
            throw new FirewallException("nftables: unreadable JSON from nft -j: " + e.getMessage(), e);
        }
    }

    private FirewallException rejected(String chain, Exec.Result result) {
        String nft = result.stderr().strip().isEmpty() ? "exit code " + result.exitCode() : result.stderr().strip();
        return new FirewallException("nftables rejected the transaction for chain \"" + chain
                + "\"; the previous rules stay in force: " + clip(nft));
    }

    private static String clip(String text) {
        return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + " …";
    }
}
