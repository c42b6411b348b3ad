package dev.plexd.firewall;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.List;

/**
 * The {@link Layering layers} of a rule list by position, updated when rules are replaced,
 * inserted or removed: only the new rules and the later rules that depend on a changed one are layered again,
 * each by a scan over primitive arrays of the earlier rules, so a one-policy change reads no other
 * rule's objects. The result is the layers {@link Layering#assign} gives for the whole list.
 *
 * <p>A rule depends on an earlier one when their actions differ and {@link Layering#interacts}
 * says some packet may match both; its layer is the lowest of its action above every earlier rule
 * it depends on. So a rule's layer can change only if one of those changed: the replaced rules,
 * old and new, and then every rule whose layer changed pass the change on to the later rules that
 * depend on them.
 */
final class LayerTable {

    private static final byte SKIPPED = 0;
    private static final byte ALLOW = 1;
    private static final byte DENY = 2;
    /** Bits of {@link #wild}: the end matches more than one address key (wildcard or prefix). */
    private static final byte SRC_WILD = 1;
    private static final byte DST_WILD = 2;

    private final CompiledRule[] rules;
    private final int[] layers;
    private final byte[] action;
    private final int[] srcKey;
    private final int[] dstKey;
    private final byte[] wild;

    private LayerTable(CompiledRule[] rules, int[] layers) {
        this.rules = rules;
        this.layers = layers;
        int n = rules.length;
        action = new byte[n];
        srcKey = new int[n];
        dstKey = new int[n];
        wild = new byte[n];
        for (int i = 0; i < n; i++) {
            describe(i);
        }
    }

    /** {@code from}'s table with {@code removed} rules at {@code at} replaced by {@code added} empty slots. */
    private LayerTable(LayerTable from, int at, int removed, int added) {
        int n = from.rules.length - removed + added;
        rules = new CompiledRule[n];
        layers = new int[n];
        action = new byte[n];
        srcKey = new int[n];
        dstKey = new int[n];
        wild = new byte[n];
        for (int[] part : new int[][] {{0, 0, at}, {at + removed, at + added, from.rules.length - at - removed}}) {
            System.arraycopy(from.rules, part[0], rules, part[1], part[2]);
            System.arraycopy(from.layers, part[0], layers, part[1], part[2]);
            System.arraycopy(from.action, part[0], action, part[1], part[2]);
            System.arraycopy(from.srcKey, part[0], srcKey, part[1], part[2]);
            System.arraycopy(from.dstKey, part[0], dstKey, part[1], part[2]);
            System.arraycopy(from.wild, part[0], wild, part[1], part[2]);
        }
    }

    /** The table of a whole list, {@code null} standing for a skipped rule (layer -1). */
    static LayerTable of(CompiledRule[] rules) {
        List<CompiledRule> compiled = Arrays.stream(rules).filter(Objects::nonNull).toList();
        int[] assigned = Layering.assign(compiled);
        int[] layers = new int[rules.length];
        for (int i = 0, r = 0; i < rules.length; i++) {
            layers[i] = rules[i] == null ? -1 : assigned[r++];
        }
        return new LayerTable(rules.clone(), layers);
    }

    int size() {
        return rules.length;
    }

    int layer(int position) {
        return layers[position];
    }

    /**
     * The table with the {@code removed} rules from {@code from} on replaced by {@code window}, and
     * the positions (in the new table) whose layer changed added to {@code changed}; the window's
     * always are.
     */
    LayerTable replace(int from, int removed, CompiledRule[] window, BitSet changed) {
        LayerTable next = new LayerTable(this, from, removed, window.length);
        int shift = window.length - removed;
        BitSet dirty = new BitSet(next.rules.length);
        // Rules that depended on a replaced one may now sit lower.
        for (int i = from; i < from + removed; i++) {
            markDependents(i, from + removed, shift, dirty);
        }
        for (int k = 0; k < window.length; k++) {
            next.rules[from + k] = window[k];
            next.describe(from + k);
        }
        dirty.set(from, from + window.length);
        for (int i = dirty.nextSetBit(from); i >= 0; i = dirty.nextSetBit(i + 1)) {
            int layer = next.rules[i] == null ? -1 : Layering.above(next.bound(i), next.rules[i].allow());
            boolean replaced = i < from + window.length;
            if (replaced || layer != next.layers[i]) {
                next.layers[i] = layer;
                changed.set(i);
                next.markDependents(i, i + 1, 0, dirty);
            }
        }
        return next;
    }

    /** The highest layer of an earlier rule that rule {@code i} depends on; -1 if none. */
    private int bound(int i) {
        int max = -1;
        for (int j = 0; j < i; j++) {
            if (layers[j] > max && depends(i, j)) {
                max = layers[j];
            }
        }
        return max;
    }

    /** Marks the rules from {@code start} on that depend on rule {@code i}, at their position plus {@code offset}. */
    private void markDependents(int i, int start, int offset, BitSet dirty) {
        for (int j = start; j < rules.length; j++) {
            if (!dirty.get(j + offset) && depends(j, i)) {
                dirty.set(j + offset);
            }
        }
    }

    /** Whether rule {@code later} depends on rule {@code earlier}: the arrays first, the rules only when they may. */
    private boolean depends(int later, int earlier) {
        byte a = action[later];
        byte b = action[earlier];
        if (a == SKIPPED || b == SKIPPED || a == b) {
            return false;
        }
        int w = wild[later] | wild[earlier];
        return ((w & SRC_WILD) != 0 || srcKey[later] == srcKey[earlier])
                && ((w & DST_WILD) != 0 || dstKey[later] == dstKey[earlier])
                && Layering.interacts(rules[later], rules[earlier]);
    }

    private void describe(int i) {
        CompiledRule rule = rules[i];
        if (rule == null) {
            action[i] = SKIPPED;
            return;
        }
        action[i] = rule.allow() ? ALLOW : DENY;
        srcKey[i] = rule.src().hashCode();
        dstKey[i] = rule.dst().hashCode();
        wild[i] = (byte) ((rule.src() instanceof Address.Host ? 0 : SRC_WILD) | (rule.dst() instanceof Address.Host ? 0 : DST_WILD));
    }
}
