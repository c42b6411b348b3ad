package dev.plexd.reconcile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileStateSourceTest {

    @TempDir
    Path dir;

    @Test
    void readsJsonAndYaml() throws Exception {
        Path json = Files.writeString(dir.resolve("state.json"),
                "{\"peers\":[{\"id\":\"a\",\"mesh_ip\":\"10.100.0.2\"}],\"policies\":[{\"id\":\"p\",\"rules\":[]}]}");
        Path yaml = Files.writeString(dir.resolve("state.yaml"), "peers:\n  - id: a\n    mesh_ip: 10.100.0.2\npolicies: []\n");
        assertThat(new FileStateSource(json).fetchState().peers().getFirst().meshIp()).isEqualTo("10.100.0.2");
        assertThat(new FileStateSource(yaml).fetchState().peers().getFirst().id()).isEqualTo("a");
    }

    @Test
    void malformedFileNamesThePathAndPosition() throws Exception {
        Path bad = Files.writeString(dir.resolve("state.json"), "{\n  \"peers\": [\n    {\"id\": }\n]}");
        assertThatThrownBy(() -> new FileStateSource(bad).fetchState())
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("state file " + bad + ":3:");
    }

    @Test
    void wrongTypeIsAnError() throws Exception {
        Path bad = Files.writeString(dir.resolve("state.yaml"), "peers: 5\n");
        assertThatThrownBy(() -> new FileStateSource(bad).fetchState())
                .isInstanceOf(IOException.class).hasMessageContaining("state file " + bad);
    }

    @Test
    void missingAndEmptyFilesAreErrors() throws Exception {
        assertThatThrownBy(() -> new FileStateSource(dir.resolve("nope.yaml")).fetchState())
                .isInstanceOf(IOException.class).hasMessageEndingWith("does not exist");
        Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
        assertThatThrownBy(() -> new FileStateSource(empty).fetchState())
                .isInstanceOf(IOException.class).hasMessageContaining("empty");
    }
}
