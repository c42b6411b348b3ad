package dev.plexd.firewall;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OverlaySetTest {

    @Test
    void changesEqualThoseOfAPlainSetAndLargeOnesAreCopiedFlat() {
        Random random = new Random(5);
        Set<String> model = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            model.add("e" + i);
        }
        Set<String> set = Set.copyOf(model);
        boolean overlaid = false;
        boolean flattened = false;
        for (int step = 0; step < 500; step++) {
            Set<String> gone = new HashSet<>();
            Set<String> fresh = new HashSet<>();
            for (int k = 0; k < 3; k++) {
                String element = "e" + random.nextInt(1200);
                if (model.contains(element)) {
                    gone.add(element);
                } else {
                    fresh.add(element);
                }
            }
            model.removeAll(gone);
            model.addAll(fresh);
            boolean wasOverlay = set instanceof OverlaySet;
            set = OverlaySet.change(set, gone, fresh);
            overlaid |= set instanceof OverlaySet;
            flattened |= wasOverlay && !(set instanceof OverlaySet);
            assertThat(set).hasSize(model.size()).isEqualTo(model);
            String probe = "e" + random.nextInt(1200);
            assertThat(set.contains(probe)).isEqualTo(model.contains(probe));
        }
        assertThat(overlaid).isTrue();
        assertThat(flattened).isTrue();
        Set<String> immutable = OverlaySet.change(Set.of("a", "b"), Set.of("a"), Set.of("c"));
        assertThat(immutable).containsExactlyInAnyOrder("b", "c");
        assertThatThrownBy(() -> immutable.add("d")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(immutable::clear).isInstanceOf(UnsupportedOperationException.class);
    }
}
