package dev.plexd.firewall;

import dev.plexd.policy.FirewallRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Updating a {@link LayerTable} gives the layers of layering the whole new list. */
class LayerTableTest {

    private static final List<String> ADDRESSES = List.of(
            "10.100.0.1", "10.100.0.2", "10.100.0.3", "10.100.0.0/30", "10.0.0.0/8",
            "fd00::1", "fd00::2", "fd00::/126", FirewallRule.ANY, FirewallRule.ANY);

    @Test
    void replacingInsertingOrDeletingRulesGivesTheLayersOfTheWholeListAndReportsEveryChangedPosition() throws Exception {
        Random random = new Random(3);
        for (int run = 0; run < 50; run++) {
            CompiledRule[] rules = new CompiledRule[1 + random.nextInt(40)];
            for (int i = 0; i < rules.length; i++) {
                rules[i] = random.nextInt(10) == 0 ? null : randomRule(random, i + 1);
            }
            LayerTable table = LayerTable.of(rules);
            for (int step = 0; step < 40; step++) {
                // Replace, insert (nothing removed) or delete (nothing added) a few rules.
                int from = random.nextInt(rules.length + 1);
                int removed = random.nextInt(Math.min(3, rules.length - from) + 1);
                int added = random.nextInt(4);
                CompiledRule[] window = new CompiledRule[rules.length - removed + added == 0 ? 1 : added];
                for (int k = 0; k < window.length; k++) {
                    window[k] = random.nextInt(10) == 0 ? null : randomRule(random, from + k + 1);
                }
                CompiledRule[] next = new CompiledRule[rules.length - removed + window.length];
                System.arraycopy(rules, 0, next, 0, from);
                System.arraycopy(window, 0, next, from, window.length);
                System.arraycopy(rules, from + removed, next, from + window.length, rules.length - from - removed);

                BitSet changed = new BitSet();
                LayerTable updated = table.replace(from, removed, window, changed);
                LayerTable fresh = LayerTable.of(next);
                BitSet expected = new BitSet();
                expected.set(from, from + window.length);
                int shift = window.length - removed;
                for (int i = 0; i < next.length; i++) {
                    assertThat(updated.layer(i)).as("position %d of %s", i, Arrays.toString(next)).isEqualTo(fresh.layer(i));
                    boolean kept = i < from || i >= from + window.length;
                    if (kept && table.layer(i < from ? i : i - shift) != fresh.layer(i)) {
                        expected.set(i);
                    }
                }
                assertThat(updated.size()).isEqualTo(next.length);
                assertThat(changed).isEqualTo(expected);
                rules = next;
                table = updated;
            }
        }
    }

    private static CompiledRule randomRule(Random random, int position) throws Exception {
        String protocol = List.of("", "", "tcp", "udp").get(random.nextInt(4));
        int port = protocol.isEmpty() || random.nextBoolean() ? 0 : List.of(22, 80).get(random.nextInt(2));
        // Compiled alone; a rule of different families comes back skipped (null).
        return RuleCompiler.rule(position, new FirewallRule("pxf0", ADDRESSES.get(random.nextInt(ADDRESSES.size())),
                ADDRESSES.get(random.nextInt(ADDRESSES.size())), port, protocol, random.nextBoolean() ? "allow" : "deny"), "pxf0").rule();
    }
}
