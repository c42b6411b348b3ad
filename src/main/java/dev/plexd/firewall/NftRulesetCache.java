package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds one policy chain's desired state ({@link NftRuleset}) for each new rule list from the
 * previous list's build, so a one-policy change costs little in-process work however many rules
 * there are. Rules equal to the previous list's at its start and end keep what they compiled to
 * (validated rule, set element text, shape); only the rules between are compiled again. The
 * build also says which set elements may have changed ({@link NftTransaction.ElementHint}), so
 * the transaction compares those instead of every element of every set.
 *
 * <p>Still proportional to the list, as cheap passes over data already computed: comparing it
 * with the previous list, layering ({@link Layering}), and grouping elements into sets. The
 * result is exactly that of compiling and building the list from scratch, errors and the
 * skipped-rules warning included: a rule's validation depends on nothing but the rule and the
 * list's interface, and layers and sets are recomputed from all rules.
 */
final class NftRulesetCache {

    /**
     * @param iface   the interface the state was built for: the list's, else the one given
     * @param rules   rules that can match
     * @param skipped rules that can match no packet
     * @param base    the state of the previous build, which {@code hint} is relative to; null for the first
     */
    record Build(String iface, int rules, int skipped, NftState state, NftState base, NftTransaction.ElementHint hint) {
    }

    /** One position of the last list: the rule given and what it compiled to (rule and form null when skipped). */
    private record Entry(FirewallRule source, CompiledRule rule, NftRuleset.Form form, String skippedBecause) {
        Entry at(int position) {
            return rule == null ? this : new Entry(source, rule.at(position), form, null);
        }
    }

    private final String chain;
    private Entry[] entries = {};
    /** Per entry, its layer; -1 when skipped. */
    private int[] layers = {};
    /** The interface every rule of the last list names; null when it was empty. */
    private String iface;
    private NftState state;

    NftRulesetCache(String chain) {
        this.chain = chain;
    }

    /**
     * The state enforcing {@code rules}, built for {@code fallbackIface} when the list names no
     * interface (it is empty). An invalid list throws as {@link RuleCompiler#compile} does and
     * leaves this cache as it was.
     */
    Build build(String fallbackIface, List<FirewallRule> rules) throws FirewallException {
        List<FirewallRule> list = rules == null ? List.of() : rules;
        int n = list.size();
        int m = entries.length;
        int prefix = 0;
        while (prefix < Math.min(n, m) && entries[prefix].source.equals(list.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < Math.min(n, m) - prefix && entries[m - 1 - suffix].source.equals(list.get(n - 1 - suffix))) {
            suffix++;
        }

        String listIface = RuleCompiler.iface(list);
        Entry[] next = new Entry[n];
        System.arraycopy(entries, 0, next, 0, prefix);
        for (int i = prefix; i < n - suffix; i++) {
            RuleCompiler.Outcome outcome = RuleCompiler.rule(i + 1, list.get(i), listIface);
            CompiledRule rule = outcome.rule();
            next[i] = new Entry(list.get(i), rule, rule == null ? null : NftRuleset.Form.of(rule), outcome.skippedBecause());
        }
        if (suffix > 0 && !listIface.equals(iface)) {
            // Only when the first rule changed: the kept rules name the old interface, so the first of
            // them fails here with the message a full compile gives.
            RuleCompiler.rule(n - suffix + 1, list.get(n - suffix), listIface);
        }
        for (int i = n - suffix; i < n; i++) {
            Entry kept = entries[i - n + m];
            next[i] = n == m ? kept : kept.at(i + 1);
        }

        List<CompiledRule> compiled = new ArrayList<>(n);
        List<NftRuleset.Form> forms = new ArrayList<>(n);
        int skipped = 0;
        String firstSkipped = null;
        for (int i = 0; i < n; i++) {
            Entry entry = next[i];
            if (entry.rule != null) {
                compiled.add(entry.rule);
                forms.add(entry.form);
            } else if (skipped++ == 0) {
                firstSkipped = RuleCompiler.describeSkipped(i + 1, entry.source, entry.skippedBecause);
            }
        }
        RuleCompiler.warnSkipped(chain, skipped, firstSkipped);

        int[] ruleLayers = Layering.assign(compiled);
        int[] nextLayers = new int[n];
        for (int i = 0, r = 0; i < n; i++) {
            nextLayers[i] = next[i].rule == null ? -1 : ruleLayers[r++];
        }
        String builtIface = listIface != null ? listIface : fallbackIface;
        NftState built = NftRuleset.build(chain, builtIface, forms, ruleLayers);
        NftTransaction.ElementHint hint = hint(next, nextLayers, prefix, suffix);

        Build build = new Build(builtIface, compiled.size(), skipped, built, state, hint);
        entries = next;
        layers = nextLayers;
        iface = listIface;
        state = built;
        return build;
    }

    /**
     * The elements of the rules whose element or layer changed: those of the previous list's
     * changed rules may be gone, those of the new list's may be new. Every other rule puts the
     * same element into the same set in both builds.
     */
    private NftTransaction.ElementHint hint(Entry[] next, int[] nextLayers, int prefix, int suffix) {
        Map<String, Set<String>> removed = new HashMap<>();
        Map<String, Set<String>> added = new HashMap<>();
        int shift = next.length - entries.length;
        for (int i = 0; i < next.length; i++) {
            boolean kept = i < prefix || i >= next.length - suffix;
            int old = i - (i < prefix ? 0 : shift);
            if (!kept) {
                note(added, next[i], nextLayers[i]);
            } else if (next[i].form != entries[old].form || nextLayers[i] != layers[old]) {
                note(removed, entries[old], layers[old]);
                note(added, next[i], nextLayers[i]);
            }
        }
        for (int old = prefix; old < entries.length - suffix; old++) {
            note(removed, entries[old], layers[old]);
        }
        return new NftTransaction.ElementHint(removed, added);
    }

    private void note(Map<String, Set<String>> elements, Entry entry, int layer) {
        if (entry.form != null && entry.form.plain() == null) {
            elements.computeIfAbsent(NftRuleset.setName(chain, layer, entry.form), k -> new HashSet<>())
                    .add(entry.form.element());
        }
    }
}
