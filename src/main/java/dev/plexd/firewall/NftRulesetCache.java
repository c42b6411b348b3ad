package dev.plexd.firewall;

import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds one policy chain's desired state ({@link NftRuleset}) for each new rule list from the
 * previous list's build, so a one-policy change costs in-process work proportional to the change,
 * not to the list:
 *
 * <ul>
 *   <li>rules equal to the previous list's at its start and end keep what they compiled to
 *       (validated rule, set element text, shape); only the rules between are compiled again;</li>
 *   <li>the {@link LayerTable} relayers only the new rules and the rules depending on a changed one;</li>
 *   <li>when only elements of existing sets change, the previous state is patched: the changed
 *       sets become {@link OverlaySet}s of the previous ones, the chains stay (otherwise everything
 *       is rebuilt, as when a layer or match shape appears or disappears);</li>
 *   <li>the build says which elements may have changed ({@link NftTransaction.ElementHint}), so the
 *       transaction compares those instead of every element of every set.</li>
 * </ul>
 *
 * What remains proportional to the list are scans of arrays: comparing it with the previous list,
 * copying per-position primitives, finding the first skipped rule. The result is exactly that of
 * compiling and building the list from scratch, errors and the skipped-rules warning included: a
 * rule's validation depends on nothing but the rule and the list's interface.
 */
final class NftRulesetCache {

    /**
     * @param iface   the interface the state was built for: the list's, else the one given
     * @param rules   rules that can match
     * @param skipped rules that can match no packet
     * @param base    the state of the previous build, which {@code hint} is relative to; null for the first
     * @param hint    null when the list shares no rule with the previous one: compare in full
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
    /** The layers of {@link #entries}; null before the first build. */
    private LayerTable table;
    /** Per entry, its set element's hash (0 for a plain or skipped rule): finds duplicates without reading entries. */
    private int[] elementHash = {};
    private int skipped;
    /** The interface every rule of the last list names; null when it was empty. */
    private String iface;
    /** The interface {@link #state} was built for. */
    private String builtIface;
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
        int shift = n - m;

        String listIface = RuleCompiler.iface(list);
        Entry[] next = new Entry[n];
        System.arraycopy(entries, 0, next, 0, prefix);
        CompiledRule[] window = new CompiledRule[n - suffix - prefix];
        for (int i = prefix; i < n - suffix; i++) {
            RuleCompiler.Outcome outcome = RuleCompiler.rule(i + 1, list.get(i), listIface);
            CompiledRule rule = outcome.rule();
            next[i] = new Entry(list.get(i), rule, rule == null ? null : NftRuleset.Form.of(rule), outcome.skippedBecause());
            window[i - prefix] = rule;
        }
        if (suffix > 0 && !listIface.equals(iface)) {
            // Only when the first rule changed: the kept rules name the old interface, so the first of
            // them fails here with the message a full compile gives.
            RuleCompiler.rule(n - suffix + 1, list.get(n - suffix), listIface);
        }
        for (int i = n - suffix; i < n; i++) {
            Entry kept = entries[i - shift];
            next[i] = shift == 0 ? kept : kept.at(i + 1);
        }

        // Positions whose rule was replaced or whose layer changed: only they can change a set.
        BitSet changed = new BitSet(n);
        LayerTable layers;
        if (table != null) {
            layers = table.replace(prefix, m - suffix - prefix, window, changed);
        } else {
            layers = LayerTable.of(window);
            changed.set(0, n);
        }
        int[] hashes = new int[n];
        System.arraycopy(elementHash, 0, hashes, 0, prefix);
        System.arraycopy(elementHash, m - suffix, hashes, n - suffix, suffix);
        int skippedNow = skipped;
        for (int i = prefix; i < n - suffix; i++) {
            NftRuleset.Form form = next[i].form;
            hashes[i] = form == null || form.plain() != null ? 0 : form.element().hashCode();
            skippedNow += form == null ? 1 : 0;
        }
        for (int old = prefix; old < m - suffix; old++) {
            skippedNow -= entries[old].rule == null ? 1 : 0;
        }
        warnSkipped(next, layers, skippedNow);

        String built = listIface != null ? listIface : fallbackIface;
        // A list sharing nothing with the previous one is simply built, and compared in full.
        Changes changes = state == null || prefix + suffix == 0 ? null : changes(next, layers, changed, prefix, suffix);
        NftState patched = changes == null || changes.plain || !Objects.equals(built, builtIface)
                ? null : patch(changes, next, layers, hashes, changed);
        NftState result = patched != null ? patched : fullBuild(built, next, layers);

        Build build = new Build(built, n - skippedNow, skippedNow, result, state,
                changes == null ? null : new NftTransaction.ElementHint(changes.removed, changes.added));
        entries = next;
        table = layers;
        elementHash = hashes;
        skipped = skippedNow;
        iface = listIface;
        builtIface = built;
        state = result;
        return build;
    }

    /** The skipped-rules warning a full compile logs: the first skipped rule is the first without a layer. */
    private void warnSkipped(Entry[] next, LayerTable layers, int count) {
        String first = null;
        for (int i = 0; count > 0 && i < next.length; i++) {
            if (layers.layer(i) < 0) {
                first = RuleCompiler.describeSkipped(i + 1, next[i].source, next[i].skippedBecause);
                break;
            }
        }
        RuleCompiler.warnSkipped(chain, count, first);
    }

    /** What the changed positions took out of sets and put into them; whether a plain rule is among them. */
    private static final class Changes {
        final Map<String, Set<String>> removed = new HashMap<>();
        final Map<String, Set<String>> added = new HashMap<>();
        final Map<String, Integer> layerOfSet = new HashMap<>();
        boolean plain;
    }

    /**
     * The elements of the changed rules: those of the previous list's may be gone, those of the
     * new list's may be new. Every other rule puts the same element into the same set in both.
     */
    private Changes changes(Entry[] next, LayerTable layers, BitSet changed, int prefix, int suffix) {
        Changes changes = new Changes();
        int shift = next.length - entries.length;
        for (int i = changed.nextSetBit(0); i >= 0; i = changed.nextSetBit(i + 1)) {
            if (i < prefix || i >= next.length - suffix) {
                int old = i < prefix ? i : i - shift;
                note(changes, changes.removed, entries[old], table.layer(old));
            }
            note(changes, changes.added, next[i], layers.layer(i));
        }
        for (int old = prefix; old < entries.length - suffix; old++) {
            note(changes, changes.removed, entries[old], table.layer(old));
        }
        return changes;
    }

    private void note(Changes changes, Map<String, Set<String>> elements, Entry entry, int layer) {
        if (entry.form == null) {
            return;
        }
        if (entry.form.plain() != null) {
            changes.plain = true;
            return;
        }
        String set = NftRuleset.setName(chain, layer, entry.form);
        elements.computeIfAbsent(set, k -> new HashSet<>()).add(entry.form.element());
        changes.layerOfSet.put(set, layer);
    }

    /**
     * The previous state with the changed elements, when only elements of existing sets change;
     * null when a set appears or empties, which changes the chain: then everything is rebuilt.
     */
    private NftState patch(Changes changes, Entry[] next, LayerTable layers, int[] hashes, BitSet changed) {
        Map<String, NftState.NftSet> sets = new LinkedHashMap<>(state.sets());
        Set<String> names = new HashSet<>(changes.removed.keySet());
        names.addAll(changes.added.keySet());
        for (String name : names) {
            NftState.NftSet old = sets.get(name);
            if (old == null) {
                return null;
            }
            Set<String> added = changes.added.getOrDefault(name, Set.of());
            Set<String> gone = new HashSet<>();
            for (String element : changes.removed.getOrDefault(name, Set.of())) {
                if (!added.contains(element) && !keptRuleProduces(name, changes.layerOfSet.get(name), element, next, layers, hashes, changed)) {
                    gone.add(element);
                }
            }
            Set<String> fresh = new HashSet<>();
            for (String element : added) {
                if (!old.elements().contains(element)) {
                    fresh.add(element);
                }
            }
            if (gone.size() == old.elements().size() && fresh.isEmpty()) {
                return null;
            }
            if (!gone.isEmpty() || !fresh.isEmpty()) {
                sets.put(name, new NftState.NftSet(name, old.type(), OverlaySet.change(old.elements(), gone, fresh)));
            }
        }
        return new NftState(state.chains(), sets);
    }

    /** Whether an unchanged rule (a duplicate of a changed one) still puts {@code element} into set {@code name}. */
    private boolean keptRuleProduces(String name, int layer, String element, Entry[] next, LayerTable layers,
                                     int[] hashes, BitSet changed) {
        int hash = element.hashCode();
        for (int i = 0; i < next.length; i++) {
            if (hashes[i] == hash && layers.layer(i) == layer && !changed.get(i)) {
                NftRuleset.Form form = next[i].form;
                if (form.plain() == null && form.element().equals(element) && NftRuleset.setName(chain, layer, form).equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private NftState fullBuild(String builtFor, Entry[] next, LayerTable layers) {
        List<NftRuleset.Form> forms = new ArrayList<>(next.length);
        int[] ruleLayers = new int[next.length];
        for (int i = 0; i < next.length; i++) {
            if (next[i].form != null) {
                ruleLayers[forms.size()] = layers.layer(i);
                forms.add(next[i].form);
            }
        }
        return NftRuleset.build(chain, builtFor, forms, ruleLayers);
    }
}
