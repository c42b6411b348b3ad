package dev.plexd.firewall;

import java.util.AbstractSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An immutable set of strings made of an immutable base set with a few elements added and
 * removed, so changing a couple of elements of a set of 10,000 copies only the change. Once the
 * changes grow past a small fraction of the base it is copied into a plain immutable set, so
 * lookups stay one or two hash probes and the copying stays amortised constant per element.
 */
final class OverlaySet extends AbstractSet<String> {

    private final Set<String> base;
    /** Not in {@link #base}. */
    private final Set<String> added;
    /** In {@link #base}. */
    private final Set<String> removed;

    private OverlaySet(Set<String> base, Set<String> added, Set<String> removed) {
        this.base = base;
        this.added = added;
        this.removed = removed;
    }

    /**
     * {@code set} without {@code gone} (elements of it) and with {@code fresh} (elements not in it).
     *
     * @param set an immutable set: a {@code Set.copyOf} or an OverlaySet
     */
    static Set<String> change(Set<String> set, Set<String> gone, Set<String> fresh) {
        Set<String> base = set instanceof OverlaySet overlay ? overlay.base : set;
        Set<String> added = new HashSet<>(set instanceof OverlaySet overlay ? overlay.added : Set.of());
        Set<String> removed = new HashSet<>(set instanceof OverlaySet overlay ? overlay.removed : Set.of());
        for (String element : gone) {
            if (!added.remove(element)) {
                removed.add(element);
            }
        }
        for (String element : fresh) {
            if (!removed.remove(element)) {
                added.add(element);
            }
        }
        OverlaySet changed = new OverlaySet(base, added, removed);
        return added.size() + removed.size() > 32 + base.size() / 32 ? Set.copyOf(changed) : changed;
    }

    @Override
    public boolean contains(Object element) {
        return added.contains(element) || base.contains(element) && !removed.contains(element);
    }

    @Override
    public int size() {
        return base.size() - removed.size() + added.size();
    }

    @Override
    public Iterator<String> iterator() {
        // Stream iterators do not support remove: the set stays immutable.
        return Stream.concat(base.stream().filter(e -> !removed.contains(e)), added.stream()).iterator();
    }
}
