package dev.plexd.daemon;

import dev.plexd.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class CapabilitiesTest {

    /** CapAmb from a status file, as a bit mask. */
    static long ambient(String status) {
        return status.lines().filter(l -> l.startsWith("CapAmb:")).map(l -> Long.parseLong(l.substring(7).trim(), 16))
                .findFirst().orElseThrow();
    }

    @Test
    @Privileged(tools = {"grep"})
    void raisedCapabilitiesAreInheritedByChildProcesses() throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        // Capabilities are per thread: a fresh thread keeps the test JVM's other threads as they were.
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                List<Integer> raised = Capabilities.raiseAmbient(Capabilities.CAP_NET_ADMIN, Capabilities.CAP_NET_RAW);
                String own = Files.readString(Path.of("/proc/thread-self/status"));
                Process child = new ProcessBuilder("grep", "CapAmb", "/proc/self/status").start();
                String childStatus = new String(child.getInputStream().readAllBytes());
                child.waitFor();
                result.set(List.of(raised, ambient(own), ambient(childStatus)));
            } catch (Exception e) {
                result.set(e);
            }
        });
        thread.join();
        assertThat(result.get()).isInstanceOf(List.class);
        long mask = (1L << Capabilities.CAP_NET_ADMIN) | (1L << Capabilities.CAP_NET_RAW);
        assertThat(result.get()).isEqualTo(List.of(List.of(Capabilities.CAP_NET_ADMIN, Capabilities.CAP_NET_RAW), mask, mask));
    }
}
