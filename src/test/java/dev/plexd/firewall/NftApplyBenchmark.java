package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The in-process part of {@link NftablesFirewall#applyRules} for a one-policy change (what
 * {@code scripts/bench-firewall} times together with {@code nft}): {@code cached} is what the
 * firewall does — {@link NftRulesetCache} then the hinted diff against the previous build;
 * {@code fresh} compiles, layers, builds and diffs the whole list, the reference; {@code first}
 * is a new firewall's first apply through the cache (everything built, diffed against nothing);
 * {@code grow} adds one rule in the middle of the list and removes it again. Rules as in
 * {@link FirewallBench}: 2 per peer plus the default deny; each operation alternates one peer's port.
 * Run: {@code scripts/bench NftApplyBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-Dplexd.log.level=error"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class NftApplyBenchmark {

    private static final String CHAIN = "plexd-mesh";

    @Param({"100", "1000", "10000"})
    int peers;

    private List<List<FirewallRule>> lists;
    private final NftState[] states = new NftState[2];
    private final NftRulesetCache cache = new NftRulesetCache(CHAIN);
    private final NftRulesetCache growCache = new NftRulesetCache(CHAIN);
    private List<FirewallRule> grown;
    private int generation;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        lists = List.of(FirewallBench.rules(peers, 2, peers / 2, 1), FirewallBench.rules(peers, 2, peers / 2, 2));
        for (int i = 0; i < 2; i++) {
            states[i] = NftRuleset.build(CHAIN, "pxfb0", RuleCompiler.compile(CHAIN, lists.get(i)).rules());
        }
        cache.build(null, lists.get(0));
        grown = new java.util.ArrayList<>(lists.get(0));
        grown.add(grown.size() / 2, new FirewallRule("pxfb0", "10.200.0.1", "10.100.0.1", 22, "tcp", "allow"));
        growCache.build(null, lists.get(0));
    }

    @Benchmark
    public NftTransaction cached() throws Exception {
        generation ^= 1;
        NftRulesetCache.Build build = cache.build(null, lists.get(generation));
        return NftTransaction.between(build.base(), build.state(), build.hint());
    }

    /** A change that adds a rule, then removes it again: the list changes length. */
    @Benchmark
    public NftTransaction grow() throws Exception {
        generation ^= 1;
        NftRulesetCache.Build build = growCache.build(null, generation == 1 ? grown : lists.get(0));
        return NftTransaction.between(build.base(), build.state(), build.hint());
    }

    /** A new firewall's first apply: the cache builds everything. */
    @Benchmark
    public NftTransaction first() throws Exception {
        generation ^= 1;
        NftRulesetCache.Build build = new NftRulesetCache(CHAIN).build(null, lists.get(generation));
        return NftTransaction.between(NftState.EMPTY, build.state(), build.hint());
    }

    @Benchmark
    public NftTransaction fresh() throws Exception {
        generation ^= 1;
        NftState desired = NftRuleset.build(CHAIN, "pxfb0", RuleCompiler.compile(CHAIN, lists.get(generation)).rules());
        return NftTransaction.between(states[generation ^ 1], desired);
    }
}
