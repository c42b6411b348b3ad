package dev.plexd.firewall;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.plexd.firewall.NftState.TABLE_REF;

/**
 * The one {@code nft -f -} script that turns a current state into a desired one, and what it
 * contains. nft applies a script as a single kernel transaction: all of it or nothing.
 *
 * <p>Set elements are added and deleted one by one; a chain whose rules differ is flushed and
 * rewritten in the same transaction (chains are a handful of lines, packets see the old rules or
 * the new ones). The commands are ordered so every reference stays valid: chains are flushed
 * before the chains and sets they referenced are deleted, and sets exist before rules use them.
 *
 * @param script          the nft script; empty when nothing differs
 * @param elementsAdded   set elements the script adds
 * @param elementsDeleted set elements the script deletes one by one (not those of deleted sets)
 * @param chainsWritten   chains whose rules the script (re)writes
 */
record NftTransaction(String script, int elementsAdded, int elementsDeleted, Set<String> chainsWritten) {

    private static final Pattern SET_REFERENCE = Pattern.compile("@([A-Za-z0-9_.-]+)");

    boolean isEmpty() {
        return script.isEmpty();
    }

    int elements() {
        return elementsAdded + elementsDeleted;
    }

    int lines() {
        return (int) script.chars().filter(c -> c == '\n').count();
    }

    int bytes() {
        return script.length(); // nft scripts are ASCII
    }

    /**
     * Which set elements may differ between two states, per set name: every element of a set
     * named in neither map is in both states or in neither. Lets a small change be diffed without
     * comparing every element of every set.
     *
     * @param removed per set, elements that may be in the first state and not in the second
     * @param added   per set, elements that may be in the second state and not in the first
     */
    record ElementHint(Map<String, Set<String>> removed, Map<String, Set<String>> added) {
    }

    /** The script turning {@code current} into {@code desired}. */
    static NftTransaction between(NftState current, NftState desired) {
        return between(current, desired, null);
    }

    /**
     * The script turning {@code current} into {@code desired}, comparing only the elements
     * {@code hint} names when it is given; the hint must describe exactly these two states.
     */
    static NftTransaction between(NftState current, NftState desired, ElementHint hint) {
        Map<String, NftState.Chain> have = current.chains();
        Map<String, NftState.Chain> want = desired.chains();
        Set<String> recreatedSets = new LinkedHashSet<>();
        for (NftState.NftSet set : desired.sets().values()) {
            NftState.NftSet old = current.sets().get(set.name());
            if (old != null && !old.type().equals(set.type())) {
                recreatedSets.add(set.name());
            }
        }
        Set<String> recreatedChains = new LinkedHashSet<>();
        Set<String> written = new LinkedHashSet<>();
        for (NftState.Chain chain : want.values()) {
            NftState.Chain old = have.get(chain.name());
            if (old != null && !Objects.equals(old.hook(), chain.hook())) {
                recreatedChains.add(chain.name());
            }
            if (old == null || recreatedChains.contains(chain.name()) || !chain.rules().equals(old.rules())
                    || references(old, recreatedSets)) {
                written.add(chain.name());
            }
        }

        List<String> removal = new ArrayList<>();
        for (NftState.Chain old : have.values()) {
            if (written.contains(old.name()) || !want.containsKey(old.name())) {
                removal.add("flush chain " + TABLE_REF + " " + old.name());
            }
        }
        for (NftState.Chain old : have.values()) {
            if (!want.containsKey(old.name()) || recreatedChains.contains(old.name())) {
                removal.add("delete chain " + TABLE_REF + " " + old.name());
            }
        }
        for (NftState.NftSet old : current.sets().values()) {
            if (!desired.sets().containsKey(old.name()) || recreatedSets.contains(old.name())) {
                removal.add("delete set " + TABLE_REF + " " + old.name());
            }
        }

        List<String> creation = new ArrayList<>();
        for (NftState.Chain chain : want.values()) {
            if (!have.containsKey(chain.name()) || recreatedChains.contains(chain.name())) {
                creation.add("add chain " + TABLE_REF + " " + chain.name()
                        + (chain.hook() == null ? "" : " " + chain.hook().render()));
            }
        }
        for (NftState.NftSet set : desired.sets().values()) {
            if (!current.sets().containsKey(set.name()) || recreatedSets.contains(set.name())) {
                creation.add("add set " + TABLE_REF + " " + set.name() + " { type " + set.type() + "; }");
            }
        }

        StringBuilder deletes = new StringBuilder();
        StringBuilder adds = new StringBuilder();
        int added = 0;
        int deleted = 0;
        for (NftState.NftSet set : desired.sets().values()) {
            NftState.NftSet old = recreatedSets.contains(set.name()) ? null : current.sets().get(set.name());
            if (old != null) {
                Set<String> gone = hint == null ? old.elements() : hint.removed().getOrDefault(set.name(), Set.of());
                deleted += elements(deletes, "delete", set.name(), difference(gone, set.elements()));
            }
            Set<String> fresh = old == null || hint == null ? set.elements() : hint.added().getOrDefault(set.name(), Set.of());
            added += elements(adds, "add", set.name(), difference(fresh, old == null ? Set.of() : old.elements()));
        }

        StringBuilder script = new StringBuilder();
        removal.forEach(line -> script.append(line).append('\n'));
        script.append(deletes);
        boolean adding = !creation.isEmpty() || adds.length() > 0 || !written.isEmpty();
        if (adding) {
            script.append("add table ").append(TABLE_REF).append('\n');
        }
        creation.forEach(line -> script.append(line).append('\n'));
        script.append(adds);
        for (String name : written) {
            for (String rule : want.get(name).rules()) {
                script.append("add rule ").append(TABLE_REF).append(' ').append(name).append(' ').append(rule).append('\n');
            }
        }
        return new NftTransaction(script.toString(), added, deleted, Set.copyOf(written));
    }

    private static List<String> difference(Set<String> from, Set<String> minus) {
        List<String> out = new ArrayList<>();
        for (String element : from) {
            if (!minus.contains(element)) {
                out.add(element);
            }
        }
        return out;
    }

    /** Appends one element command, sorted so the same change always reads the same; returns the count. */
    private static int elements(StringBuilder out, String verb, String set, List<String> elements) {
        if (elements.isEmpty()) {
            return 0;
        }
        elements.sort(null);
        out.append(verb).append(" element ").append(TABLE_REF).append(' ').append(set).append(" {\n");
        for (int i = 0; i < elements.size(); i++) {
            out.append('\t').append(elements.get(i)).append(i + 1 < elements.size() ? ",\n" : "\n");
        }
        out.append("}\n");
        return elements.size();
    }

    private static boolean references(NftState.Chain chain, Set<String> sets) {
        if (sets.isEmpty() || chain.rules() == null) {
            return false;
        }
        for (String rule : chain.rules()) {
            Matcher m = SET_REFERENCE.matcher(rule);
            while (m.find()) {
                if (sets.contains(m.group(1))) {
                    return true;
                }
            }
        }
        return false;
    }
}
