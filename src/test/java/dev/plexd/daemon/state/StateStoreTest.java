package dev.plexd.daemon.state;

import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import dev.plexd.api.SigningKeys;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.Reconciler;
import dev.plexd.reconcile.StateSource;
import dev.plexd.reconcile.DriftReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class StateStoreTest {

    @TempDir
    Path dir;

    static final StateResponse STATE = new StateResponse(
            List.of(new Peer("beta", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "10.100.0.2", "192.0.2.2:51820",
                    List.of("10.100.0.2/32"), "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=")),
            List.of(new Policy("p1", List.of(new PolicyRule("alpha", "beta", 22, "tcp", "allow")))),
            new SigningKeys("Y3VycmVudA==", null, Instant.parse("2026-01-01T00:00:00Z")), Map.of("region", "eu"), null, null);

    @Test
    void savedStateIsReadBackEqualWithMode0600() throws Exception {
        StateStore store = new StateStore(dir);
        assertThat(store.load()).isInstanceOf(StateStore.Missing.class);
        store.save(STATE);
        assertThat(Files.getPosixFilePermissions(store.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(store.load()).isEqualTo(new StateStore.Restored(STATE));
        // Replacing leaves exactly one file: no temp files behind.
        store.save(StateResponse.of(List.of(), List.of()));
        assertThat(store.load()).isEqualTo(new StateStore.Restored(StateResponse.of(List.of(), List.of())));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(StateStore.FILE_NAME);
        }
    }

    @Test
    void aCorruptFileIsNoStateAndIsMovedAsideForInspection() throws Exception {
        StateStore store = new StateStore(dir);
        Files.writeString(store.file(), "{\"peers\": [ {\"id\": \"beta\", ");
        var loaded = store.load();
        assertThat(loaded).isInstanceOf(StateStore.Corrupt.class);
        assertThat(((StateStore.Corrupt) loaded).reason()).startsWith(store.file() + ": ");
        assertThat(dir.resolve(StateStore.FILE_NAME + StateStore.CORRUPT_SUFFIX)).exists();
        assertThat(store.load()).isInstanceOf(StateStore.Missing.class);
    }

    @Test
    void emptyAndWrongShapeFilesAreCorruptToo() throws Exception {
        StateStore store = new StateStore(dir);
        Files.writeString(store.file(), "");
        assertThat(store.load()).isInstanceOf(StateStore.Corrupt.class);
        Files.writeString(store.file(), "[1, 2, 3]");
        assertThat(store.load()).isInstanceOf(StateStore.Corrupt.class);
        Files.writeString(store.file(), "{\"peers\": \"not a list\"}");
        assertThat(store.load()).isInstanceOf(StateStore.Corrupt.class);
    }

    @Test
    void tempFilesLeftByACrashAreRemovedAndTheLastCompleteStateWins() throws Exception {
        StateStore store = new StateStore(dir);
        store.save(STATE);
        Path torn = Files.writeString(dir.resolve(".state.json.123.tmp"), "{\"peers\": [");
        assertThat(store.load()).isEqualTo(new StateStore.Restored(STATE));
        assertThat(torn).doesNotExist();
    }

    @Test
    void persisterSavesAfterSuccessfulCyclesThatChangedTheState() throws Exception {
        AtomicReference<StateResponse> desired = new AtomicReference<>(STATE);
        AtomicReference<Boolean> failSource = new AtomicReference<>(false);
        StateSource source = new StateSource() {
            @Override
            public StateResponse fetchState() throws java.io.IOException {
                if (failSource.get()) {
                    throw new java.io.IOException("control plane down");
                }
                return desired.get();
            }

            @Override
            public void reportDrift(DriftReport report) {
            }
        };
        Reconciler reconciler = new Reconciler(source);
        StateStore store = new StateStore(dir);
        reconciler.addListener(new StatePersister(store, reconciler, null));

        assertThat(reconciler.reconcileNow().outcome()).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(store.load()).isEqualTo(new StateStore.Restored(STATE));

        // A failed fetch keeps the last good state on disk.
        failSource.set(true);
        assertThat(reconciler.reconcileNow().outcome()).isEqualTo(CycleResult.Outcome.FETCH_FAILED);
        assertThat(store.load()).isEqualTo(new StateStore.Restored(STATE));

        // A failing handler means nothing was adopted, so nothing is saved.
        failSource.set(false);
        StateResponse next = StateResponse.of(List.of(), STATE.policies());
        desired.set(next);
        reconciler.registerHandler((d, diff) -> {
            if (d == next) {
                throw new IllegalStateException("firewall rejected");
            }
        });
        assertThat(reconciler.reconcileNow().outcome()).isEqualTo(CycleResult.Outcome.HANDLER_FAILED);
        assertThat(store.load()).isEqualTo(new StateStore.Restored(STATE));

        StateResponse last = StateResponse.of(List.of(), List.of());
        desired.set(last);
        assertThat(reconciler.reconcileNow().outcome()).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(store.load()).isEqualTo(new StateStore.Restored(last));
    }
}
