package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link NftRulesetCache} builds exactly what a fresh compile and build of the same list gives,
 * after any sequence of changes, and its element hint yields exactly the transaction a full
 * comparison yields.
 */
class NftRulesetCacheTest {

    private static final String CHAIN = "plexd-mesh";
    private static final String IFACE = "pxf0";

    private static final List<String> ADDRESSES = List.of(
            "10.100.0.1", "10.100.0.2", "10.100.0.3", "10.100.0.4", "10.100.0.0/30", "10.0.0.0/8",
            "fd00::1", "fd00::2", "fd00::/126", FirewallRule.ANY, FirewallRule.ANY, FirewallRule.ANY, "");

    @Test
    void everyBuildAfterRandomChangesEqualsAFreshBuildAndTheHintedDiffEqualsTheFullOne() throws Exception {
        Random random = new Random(7);
        for (int run = 0; run < 40; run++) {
            NftRulesetCache cache = new NftRulesetCache(CHAIN);
            List<FirewallRule> rules = randomRules(random, 1 + random.nextInt(60));
            NftState previous = checkBuild(cache, rules, NftState.EMPTY);
            for (int step = 0; step < 60; step++) {
                rules = change(random, rules);
                previous = checkBuild(cache, rules, previous);
            }
        }
    }

    @Test
    void peerRulesWithDuplicatesStayExactOverManyChangesMadeInPlace() throws Exception {
        // Hosts and wildcards with a protocol: set elements only, so changes patch the sets in place.
        List<String> peers = List.of("10.100.0.1", "10.100.0.2", "10.100.0.3", "fd00::1", "fd00::2", FirewallRule.ANY);
        Random random = new Random(11);
        boolean patched = false;
        for (int run = 0; run < 10; run++) {
            NftRulesetCache cache = new NftRulesetCache(CHAIN);
            List<FirewallRule> rules = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                rules.add(peerRule(random, peers));
            }
            NftState previous = checkBuild(cache, rules, NftState.EMPTY);
            for (int step = 0; step < 300; step++) {
                List<FirewallRule> next = new ArrayList<>(rules);
                int at = random.nextInt(next.size());
                // Often a copy of another rule, so duplicates come and go.
                next.set(at, random.nextBoolean() ? rules.get(random.nextInt(rules.size())) : peerRule(random, peers));
                rules = next;
                previous = checkBuild(cache, rules, previous);
                patched |= previous.sets().values().stream().anyMatch(set -> set.elements() instanceof OverlaySet);
            }
        }
        assertThat(patched).as("some builds patched sets in place").isTrue();
    }

    @Test
    void aOnePolicyChangeAtManyPeersIsHintedAsExactlyItsTwoElements() throws Exception {
        NftRulesetCache cache = new NftRulesetCache(CHAIN);
        NftState before = cache.build(null, FirewallBench.rules(1000, 2, 500, 1)).state();
        NftRulesetCache.Build build = cache.build(null, FirewallBench.rules(1000, 2, 500, 2));
        assertThat(build.base()).isSameAs(before);
        assertThat(build.hint().removed()).containsOnlyKeys("plexd-mesh-0-allow-ip-src-dst-proto-port");
        assertThat(build.hint().removed().values()).containsExactly(java.util.Set.of("10.100.3.1 . 10.100.0.1 . tcp . 1100"));
        assertThat(build.hint().added().values()).containsExactly(java.util.Set.of("10.100.3.1 . 10.100.0.1 . tcp . 1200"));
        assertThat(NftTransaction.between(before, build.state(), build.hint()).elements()).isEqualTo(2);
    }

    @Test
    void anInvalidListThrowsWhatACompileThrowsAndLeavesTheCacheAsItWas() throws Exception {
        NftRulesetCache cache = new NftRulesetCache(CHAIN);
        List<FirewallRule> good = NftTransactionTest.rules(20, i -> 22);
        NftState before = cache.build(null, good).state();

        List<List<FirewallRule>> bad = new ArrayList<>();
        List<FirewallRule> badPort = new ArrayList<>(good);
        badPort.set(7, new FirewallRule(IFACE, "10.100.0.9", "10.100.0.1", 70000, "tcp", "allow"));
        bad.add(badPort);
        List<FirewallRule> otherIfaceFirst = new ArrayList<>(good);
        otherIfaceFirst.set(0, new FirewallRule("pxf1", "10.100.0.3", FirewallRule.ANY, 0, "", "deny"));
        bad.add(otherIfaceFirst);
        List<FirewallRule> otherIfaceLater = new ArrayList<>(good);
        otherIfaceLater.set(9, new FirewallRule("pxf1", "10.100.0.9", "10.100.0.1", 22, "tcp", "allow"));
        bad.add(otherIfaceLater);
        List<FirewallRule> missing = new ArrayList<>(good);
        missing.add(3, null);
        bad.add(missing);
        for (List<FirewallRule> rules : bad) {
            Throwable expected = catchThrowable(() -> RuleCompiler.compile(CHAIN, rules));
            assertThat(expected).isInstanceOf(FirewallException.class);
            assertThatThrownBy(() -> cache.build(null, rules)).isInstanceOf(FirewallException.class)
                    .hasMessage(expected.getMessage());
        }
        NftRulesetCache.Build again = cache.build(null, good);
        assertThat(again.base()).isSameAs(before);
        assertThat(again.state()).isEqualTo(before);
        assertThat(NftTransaction.between(before, again.state(), again.hint()).isEmpty()).isTrue();
    }

    @Test
    void anEmptyListKeepsTheInterfaceGivenAndCountsSkippedRulesLikeACompile() throws Exception {
        NftRulesetCache cache = new NftRulesetCache(CHAIN);
        assertThat(cache.build("wg0", List.of()).state()).isEqualTo(NftRuleset.build(CHAIN, "wg0", List.of()));
        List<FirewallRule> rules = List.of(
                new FirewallRule(IFACE, "", "10.100.0.1", 22, "tcp", "allow"),
                new FirewallRule(IFACE, "10.100.0.2", "fd00::1", 0, "", "allow"),
                new FirewallRule(IFACE, "10.100.0.2", "10.100.0.1", 0, "", "allow"));
        NftRulesetCache.Build build = cache.build("wg0", rules);
        assertThat(build.iface()).isEqualTo(IFACE);
        assertThat(build.skipped()).isEqualTo(2);
        assertThat(build.rules()).isEqualTo(1);
    }

    /** Builds {@code rules} with the cache and checks it against a fresh build; returns the state built. */
    private static NftState checkBuild(NftRulesetCache cache, List<FirewallRule> rules, NftState previous) throws Exception {
        RuleCompiler.Compiled compiled = RuleCompiler.compile(CHAIN, rules);
        NftState fresh = NftRuleset.build(CHAIN, compiled.iface(), compiled.rules());
        NftRulesetCache.Build build = cache.build(null, rules);
        assertThat(build.state()).as("rules %s", rules).isEqualTo(fresh);
        assertThat(List.copyOf(build.state().sets().keySet())).isEqualTo(List.copyOf(fresh.sets().keySet()));
        assertThat(build.rules()).isEqualTo(compiled.rules().size());
        assertThat(build.skipped()).isEqualTo(compiled.skipped());
        assertThat(build.base()).isSameAs(previous == NftState.EMPTY ? null : previous);
        if (build.base() != null) {
            assertThat(NftTransaction.between(previous, build.state(), build.hint()))
                    .as("rules %s", rules).isEqualTo(NftTransaction.between(previous, fresh));
        }
        return build.state();
    }

    /** One random edit: replace, insert or delete a few rules, swap two, or change nothing. */
    private static List<FirewallRule> change(Random random, List<FirewallRule> rules) {
        List<FirewallRule> next = new ArrayList<>(rules);
        switch (random.nextInt(6)) {
            case 0, 1 -> next.set(random.nextInt(next.size()), randomRule(random));
            case 2 -> next.add(random.nextInt(next.size() + 1), randomRule(random));
            case 3 -> {
                if (next.size() > 1) {
                    next.remove(random.nextInt(next.size()));
                }
            }
            case 4 -> {
                int a = random.nextInt(next.size());
                int b = random.nextInt(next.size());
                next.set(a, rules.get(b));
                next.set(b, rules.get(a));
            }
            default -> {
                // the same list again
            }
        }
        return next;
    }

    private static List<FirewallRule> randomRules(Random random, int size) {
        List<FirewallRule> rules = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            rules.add(randomRule(random));
        }
        return rules;
    }

    private static FirewallRule peerRule(Random random, List<String> peers) {
        String protocol = random.nextBoolean() ? "tcp" : "udp";
        return new FirewallRule(IFACE, peers.get(random.nextInt(peers.size())), peers.get(random.nextInt(peers.size())),
                random.nextInt(3) == 0 ? 0 : 22 + random.nextInt(3), protocol, random.nextInt(3) == 0 ? "deny" : "allow");
    }

    private static FirewallRule randomRule(Random random) {
        String protocol = List.of("", "", "tcp", "udp").get(random.nextInt(4));
        int port = protocol.isEmpty() || random.nextBoolean() ? 0 : List.of(22, 80).get(random.nextInt(2));
        return new FirewallRule(IFACE, ADDRESSES.get(random.nextInt(ADDRESSES.size())),
                ADDRESSES.get(random.nextInt(ADDRESSES.size())), port, protocol, random.nextBoolean() ? "allow" : "deny");
    }
}
