package dev.plexd.daemon;

import dev.plexd.wireguard.WireGuardKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeKeyTest {

    @TempDir
    Path dir;

    @Test
    void publicKeyMatchesRfc7748() throws Exception {
        byte[] alicePrivate = HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        Path file = dir.resolve("wireguard.key");
        Files.writeString(file, WireGuardKeys.encode(alicePrivate) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(NodeKey.loadOrCreate(file).publicKeyBase64()).isEqualTo(WireGuardKeys.encode(
                HexFormat.of().parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")));
    }

    @Test
    void generatedOnceWith0600AndReadBackTheSame() throws Exception {
        Path file = dir.resolve("wireguard.key");
        NodeKey created = NodeKey.loadOrCreate(file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String text = Files.readString(file);
        assertThat(text).endsWith("\n");
        byte[] key = WireGuardKeys.decode(text.strip(), "key");
        assertThat(key[0] & 7).isZero();
        assertThat(key[31] & 0xC0).isEqualTo(0x40);
        NodeKey again = NodeKey.loadOrCreate(file);
        assertThat(again.publicKeyBase64()).isEqualTo(created.publicKeyBase64());
        assertThat(again.privateKey()).isEqualTo(key);
        assertThat(again.toString()).doesNotContain(text.strip());
    }

    @Test
    void refusesAKeyOthersCanRead() throws Exception {
        Path file = dir.resolve("wireguard.key");
        NodeKey.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> NodeKey.loadOrCreate(file)).hasMessageContaining("wireguard.private_key_file " + file)
                .hasMessageContaining("chmod 600");
    }

    @Test
    void refusesAMalformedKey() throws Exception {
        Path file = Files.writeString(dir.resolve("wireguard.key"), "not-base64!\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> NodeKey.loadOrCreate(file)).hasMessageContaining("wireguard.private_key_file " + file)
                .hasMessageContaining("not valid base64");
    }
}
