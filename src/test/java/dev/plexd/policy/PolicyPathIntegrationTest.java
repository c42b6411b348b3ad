package dev.plexd.policy;

import dev.plexd.api.Json;
import dev.plexd.api.Peer;
import dev.plexd.api.Policy;
import dev.plexd.api.PolicyRule;
import dev.plexd.api.StateResponse;
import dev.plexd.reconcile.CycleResult;
import dev.plexd.reconcile.FileStateSource;
import dev.plexd.reconcile.Reconciler;
import dev.plexd.testing.InMemoryWireGuard;
import dev.plexd.wireguard.WireGuardManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.plexd.testing.Fixtures.allow;
import static dev.plexd.testing.Fixtures.peer;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole policy path without the OS: a real Reconciler reading a state file, the real policy
 * handler and WireGuardManager, over an in-memory WireGuard controller.
 */
class PolicyPathIntegrationTest {

    private static final String IFACE = "plexd0";

    @TempDir
    Path dir;

    private Path stateFile;
    private final InMemoryWireGuard wg = new InMemoryWireGuard();
    private final List<Peer> peers = List.of(peer("local", 1), peer("a", 2), peer("b", 3), peer("c", 4));
    private final LinkedBlockingQueue<CycleResult> cycles = new LinkedBlockingQueue<>();
    private Reconciler reconciler;

    @BeforeEach
    void setUp() throws Exception {
        stateFile = dir.resolve("state.json");
        write(List.of());
        reconciler = new Reconciler(new FileStateSource(stateFile), Duration.ofHours(1), Clock.systemUTC());
        reconciler.registerHandler(new PolicyReconcileHandler(new Enforcer(new PolicyEngine(), null, new Config(true, "plexd-mesh")),
                new WireGuardManager(wg, IFACE), "local", "10.100.0.1", IFACE));
        reconciler.addListener(cycles::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        reconciler.stop(Duration.ofSeconds(5));
    }

    /** Writes the state atomically, as an editor or the control plane's sync would. */
    private void write(List<Policy> policies) throws Exception {
        Path tmp = Files.createTempFile(dir, "state", ".tmp");
        Files.writeString(tmp, Json.MAPPER.writeValueAsString(StateResponse.of(peers, policies)));
        Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Set<String> configuredPeerIds() {
        Set<String> keys = wg.peerKeys(IFACE);
        return peers.stream().filter(p -> keys.contains(p.publicKey())).map(Peer::id).collect(Collectors.toSet());
    }

    private CycleResult nextCycle() throws InterruptedException {
        CycleResult result = cycles.poll(10, TimeUnit.SECONDS);
        assertThat(result).as("a cycle ran").isNotNull();
        return result;
    }

    @Test
    void editingAPolicyUnderTheSameIdRevokesAPeer() throws Exception {
        write(List.of(new Policy("p", List.of(allow("local", "a"), allow("b", "local")))));
        reconciler.start();
        assertThat(nextCycle().outcome()).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(configuredPeerIds()).containsExactlyInAnyOrder("a", "b");

        write(List.of(new Policy("p", List.of(allow("local", "a")))));
        reconciler.triggerReconcile();
        CycleResult edit = nextCycle();
        assertThat(edit.outcome()).isEqualTo(CycleResult.Outcome.APPLIED);
        assertThat(edit.diff().policiesToRemove()).containsExactly("p");
        assertThat(configuredPeerIds()).containsExactly("a");
    }

    @Test
    void aBurstOf100TriggersCausesAtMostTwoExtraCycles() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        reconciler.registerHandler((desired, diff) -> {
            inHandler.countDown();
            release.await();
        });
        write(List.of(new Policy("p", List.of(allow("local", "a")))));
        reconciler.start();
        assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 100; i++) {
            reconciler.triggerReconcile();
        }
        release.countDown();
        nextCycle();
        // The collapsed triggers' cycle is due: wait for it as for any cycle; only further ones get the short poll.
        List<CycleResult> extra = new ArrayList<>(List.of(nextCycle()));
        CycleResult more;
        while ((more = cycles.poll(500, TimeUnit.MILLISECONDS)) != null) {
            extra.add(more);
        }
        assertThat(extra).hasSizeBetween(1, 2);
    }

    /** Concurrent state edits and triggers: whatever interleaving, the end state is what the file says. */
    @RepeatedTest(100)
    void concurrentTriggersAndStateChangesConvergeWithoutRaces() throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        reconciler.addListener(result -> {
            if (result.outcome() == CycleResult.Outcome.HANDLER_FAILED) {
                errors.addAll(result.failures());
            }
        });
        reconciler.start();
        Random random = new Random();
        List<String> others = List.of("a", "b", "c");
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 40; i++) {
                    List<PolicyRule> rules = new ArrayList<>();
                    for (String id : others) {
                        if (random.nextBoolean()) {
                            rules.add(allow("local", id));
                        }
                    }
                    write(List.of(new Policy("p", rules)));
                    reconciler.triggerReconcile();
                }
            } catch (Exception e) {
                errors.add(e);
            }
        });
        Thread triggerer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 200; i++) {
                reconciler.triggerReconcile();
                if (i % 20 == 0) {
                    reconciler.reconcileNow();
                }
            }
        });
        writer.join();
        triggerer.join();
        reconciler.reconcileNow();

        StateResponse finalState = new FileStateSource(stateFile).fetchState();
        Set<String> expected = new PolicyEngine().filterPeers(finalState.peers(), finalState.policies(), "local")
                .stream().map(Peer::id).collect(Collectors.toSet());
        assertThat(errors).isEmpty();
        assertThat(configuredPeerIds()).isEqualTo(expected);
        assertThat(reconciler.appliedState()).isEqualTo(finalState);
    }
}
