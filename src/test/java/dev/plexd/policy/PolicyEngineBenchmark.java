package dev.plexd.policy;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One full policy evaluation (filterPeers + buildFirewallRules, what a reconcile cycle does) at
 * 10,000 peers × 100,000 rules, against the nested-loop reference in the same run.
 * Run: {@code scripts/bench PolicyEngineBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The random mesh has icmp rules in most of its 1,000 policies, which the engine reports as one WARN
// per policy: hundreds of lines per evaluation that, printed, would measure the console, not the engine.
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-Dplexd.log.level=error"})
public class PolicyEngineBenchmark {

    @Param({"10000"})
    int peers;

    @Param({"100000"})
    int rules;

    /**
     * With wildcards an early rule links the local node to {@code "*"}, so the visibility scan stops
     * there; without them every rule is scanned and most peers are resolved one by one.
     */
    @Param({"true", "false"})
    boolean wildcards;

    private List<Peer> peerList;
    private List<Policy> policies;
    private final PolicyEngine engine = new PolicyEngine();

    @Setup(Level.Trial)
    public void setUp() {
        var mesh = NestedLoopReference.mesh(peers, rules, 100, wildcards, 42);
        peerList = mesh.getKey();
        policies = mesh.getValue();
        if (!engine.filterPeers(peerList, policies, "n0").equals(NestedLoopReference.filterPeers(peerList, policies, "n0"))) {
            throw new IllegalStateException("engine and reference disagree");
        }
    }

    @Benchmark
    @Warmup(iterations = 5, time = 1)
    @Measurement(iterations = 10, time = 1)
    public void engine(Blackhole bh) {
        Map<String, String> byId = new HashMap<>(peerList.size() * 2);
        for (Peer peer : peerList) {
            byId.put(peer.id(), peer.meshIp());
        }
        bh.consume(engine.filterPeers(peerList, policies, "n0"));
        bh.consume(engine.buildFirewallRules(policies, "n0", "plexd0", byId));
    }

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public void nestedLoopReference(Blackhole bh) {
        bh.consume(NestedLoopReference.filterPeers(peerList, policies, "n0"));
        bh.consume(NestedLoopReference.buildFirewallRules(policies, "n0", "plexd0", peerList));
    }
}
