package dev.plexd.service;

import dev.plexd.service.filter.ServiceFilter;
import dev.plexd.service.policy.PolicyFiles;
import dev.plexd.service.policy.ServicesDir;
import dev.plexd.testing.TempFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.plexd.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

class ServiceAccessTest {

    /** Reloads are promised within a second; five leaves room for a loaded machine. */
    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    static final MeshPeer NODE_1 = new MeshPeer("node-1", KEY, "10.100.0.2", List.of());

    @TempDir
    Path configDir;

    private ServiceAccess access;

    @AfterEach
    void close() {
        if (access != null) {
            access.close();
        }
    }

    private ServicesDir services() {
        return new ServicesDir(configDir);
    }

    private ServiceAccess started() throws Exception {
        access = new ServiceAccess(configDir);
        access.updatePeers(List.of(NODE_1));
        access.filter().bindSlot(1, KEY);
        access.start();
        return access;
    }

    /** An IPv4 TCP SYN (a new connection) to {@code port}. */
    static byte[] tcp(int port) {
        byte[] packet = new byte[40];
        packet[0] = 0x45;
        packet[3] = 40;
        packet[9] = 6;
        packet[22] = (byte) (port >>> 8);
        packet[23] = (byte) port;
        packet[32] = 0x50; // data offset 5
        packet[33] = 0x02; // SYN
        return packet;
    }

    static boolean allows(ServiceFilter filter, int port) {
        byte[] packet = tcp(port);
        return filter.allowInbound(1, packet, 0, packet.length);
    }


    @Test
    void aBadFileIsReportedAndTheLastGoodPolicyStays() throws Exception {
        services().defaultAction("deny").global("allow tcp 22\n");
        ServiceAccess access = started();
        assertThat(allows(access.filter(), 22)).isTrue();
        ServiceStatus good = access.status();
        assertThat(good.ok()).isTrue();
        assertThat(good.defaultAction()).isEqualTo("deny");
        assertThat(good.rules()).isEqualTo(1);

        services().global("allow tcp 80\nallow tcp 99999\n");
        ServiceStatus bad = access.reload();
        assertThat(bad.ok()).isFalse();
        assertThat(bad.errors()).containsExactly("services/global.policy:2: port out of range, expected 0-65535 (99999)");
        assertThat(bad.lastSuccess()).isEqualTo(good.lastSuccess());
        assertThat(allows(access.filter(), 22)).as("last good policy").isTrue();
        assertThat(allows(access.filter(), 80)).as("nothing of the bad file").isFalse();

        services().global("allow tcp 80\n");
        assertThat(access.reload().ok()).isTrue();
        assertThat(allows(access.filter(), 80)).isTrue();
        assertThat(allows(access.filter(), 22)).isFalse();
    }

    @Test
    void badFilesAtStartFailClosed() throws Exception {
        services().global("alow tcp 22\n");
        ServiceAccess access = started();
        assertThat(access.status().ok()).isFalse();
        assertThat(access.errors()).containsExactly("services/global.policy:1: unknown action, expected allow or deny (alow)");
        assertThat(allows(access.filter(), 22)).isFalse();
        assertThat(allows(access.filter(), 80)).isFalse();
        // Peer changes keep it closed and keep reporting the files.
        access.updatePeers(List.of(NODE_1));
        assertThat(allows(access.filter(), 80)).isFalse();
        assertThat(access.status().ok()).isFalse();
    }

    @Test
    void peerDirectoryChangesRecompile() throws Exception {
        services().defaultAction("deny").peer("node-1", "allow tcp 5432\n");
        access = new ServiceAccess(configDir);
        access.filter().bindSlot(1, KEY);
        access.start();
        assertThat(allows(access.filter(), 5432)).as("slot known by key only").isFalse();
        access.updatePeers(List.of(NODE_1, new MeshPeer("broken", "not-a-key", null, List.of())));
        assertThat(allows(access.filter(), 5432)).as("node-1's file applies").isTrue();
        assertThat(access.status().warnings())
                .containsExactly("peer directory: node broken ignored: public key is not 32 bytes of base64");
    }

    @Test
    void changesApplyWithinASecondAndEveryDecisionSeesTheOldOrTheNewPolicy() throws Exception {
        // Under A only 22 passes, under B only 80; 443 and 9999 are denied by both. A mix (or a
        // half-read file, a closed filter, an unbound slot) would let 443 or 9999 through.
        String versionA = "allow tcp 22\ndeny all\n";
        String versionB = "allow tcp 80\ndeny all\n";
        services().defaultAction("allow").global("allow tcp 443\n").peer("node-1", versionA);
        ServiceAccess access = started();
        ServiceFilter filter = access.filter();
        int[] probes = {22, 80, 443, 9999};

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicLong decisions = new AtomicLong();
        AtomicLong sawA = new AtomicLong();
        AtomicLong sawB = new AtomicLong();
        Thread decider = Thread.ofPlatform().start(() -> {
            long n = 0;
            while (running.get()) {
                int port = probes[(int) (n++ % probes.length)];
                boolean allowed = allows(filter, port);
                boolean expectedA = port == 22;
                boolean expectedB = port == 80;
                if (allowed != expectedA && allowed != expectedB) {
                    violation.compareAndSet(null, "port " + port + " " + (allowed ? "allowed" : "denied") + " after " + n);
                }
                if (port == 22 && allowed) {
                    sawA.incrementAndGet();
                }
                if (port == 80 && allowed) {
                    sawB.incrementAndGet();
                }
            }
            decisions.set(n);
        });

        Path peerFile = configDir.resolve("services/peer/node-1.policy");
        Random random = new Random(7);
        for (int i = 0; i < 40; i++) {
            String version = i % 2 == 0 ? versionB : versionA;
            if (i % 3 == 0) {
                // Editor style: write a hidden swap file, then rename it into place.
                Path swap = peerFile.resolveSibling(".node-1.policy.swp");
                Files.writeString(swap, version, StandardCharsets.UTF_8);
                Files.move(swap, peerFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                PolicyFiles.writeAtomically(peerFile, version.getBytes(StandardCharsets.UTF_8));
            }
            Thread.sleep(random.nextInt(120));
        }
        // The last write was version A (i = 39): it applies within a second.
        long written = System.nanoTime();
        until("the last version applies", FIVE_SECONDS, () -> allows(filter, 22) && !allows(filter, 80));
        long applyMs = Duration.ofNanos(System.nanoTime() - written).toMillis();
        Thread.sleep(200);
        running.set(false);
        decider.join();

        assertThat(violation.get()).as("a decision matching neither version").isNull();
        assertThat(decisions.get()).isGreaterThan(10_000);
        assertThat(sawA.get()).isPositive();
        assertThat(sawB.get()).isPositive();
        assertThat(applyMs).as("ms until the change applied").isLessThan(1_000);
        assertThat(access.status().ok()).isTrue();
    }

    @Test
    void theServicesDirectoryMayAppearAndDisappear() throws Exception {
        ServiceAccess access = started();
        assertThat(allows(access.filter(), 22)).as("no services/: allow all").isTrue();

        // Built elsewhere, renamed into place as a whole.
        Path staging = Files.createDirectory(configDir.resolve(".staging"));
        new ServicesDir(staging).defaultAction("deny").peer("node-1", "allow tcp 22\n");
        Files.move(staging.resolve("services"), configDir.resolve("services"), StandardCopyOption.ATOMIC_MOVE);
        until("the new directory applies", FIVE_SECONDS, () -> !allows(access.filter(), 80));
        assertThat(allows(access.filter(), 22)).isTrue();

        // A file added to a directory created after the start is seen too.
        services().org("ops", "allow tcp 80\n").members("ops", "node-1\n");
        until("the org file applies", FIVE_SECONDS, () -> allows(access.filter(), 80));

        TempFiles.deleteRecursively(configDir.resolve("services"));
        until("removing services/ allows everything", FIVE_SECONDS, () -> allows(access.filter(), 9999));
    }

    @Test
    void statusForTheDaemon() throws Exception {
        services().defaultAction("deny").global("allow tcp 22\n").peer("node-1", "allow tcp 1\n").org("ops", "allow tcp 2\n");
        access = new ServiceAccess(configDir, null, Clock.systemUTC());
        ServiceStatus status = access.reload();
        assertThat(status.mode()).isEqualTo("userspace");
        assertThat(status.configDir()).isEqualTo(configDir.toString());
        assertThat(status.configured()).isTrue();
        assertThat(status.rules()).isEqualTo(3);
        assertThat(status.peerFiles()).isEqualTo(1);
        assertThat(status.orgFiles()).isEqualTo(1);
        assertThat(status.generation()).isPositive();
        assertThat(status.lastAttempt()).isNotNull();
        assertThat(dev.plexd.api.Json.MAPPER.writeValueAsString(status)).contains("\"default_action\":\"deny\"");
    }
}
