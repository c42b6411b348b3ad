package dev.plexd.api.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.plexd.api.Json;
import dev.plexd.sys.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Persists the node identity as {@code identity.json} in the data directory: the directory is
 * kept at mode 0700 and the file is written with mode 0600 from its creation, atomically (temp
 * file, fsync, rename), so a crash never leaves a half-written identity.
 */
public final class IdentityStore {

    private static final Logger log = LoggerFactory.getLogger(IdentityStore.class);
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path dataDir;
    private final Path file;

    public IdentityStore(Path dataDir) {
        this.dataDir = dataDir;
        this.file = dataDir.resolve("identity.json");
    }

    public Path file() {
        return file;
    }

    /**
     * @return the saved identity, or empty when the node has not registered yet
     * @throws IOException naming the file (and position) when it is unreadable, malformed or
     *                     lacks a required field
     */
    public Optional<NodeIdentity> load() throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        NodeIdentity identity;
        try {
            identity = Json.MAPPER.readValue(text, NodeIdentity.class);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String position = where == null ? "" : ":" + where.getLineNr() + ":" + where.getColumnNr();
            throw new IOException("identity file " + file + position + ": " + e.getOriginalMessage(), e);
        }
        if (identity == null) {
            throw new IOException("identity file " + file + ": empty");
        }
        requireField(identity.nodeId(), "node_id");
        requireField(identity.nodeSecretKey(), "node_secret_key");
        return Optional.of(identity);
    }

    private void requireField(String value, String name) throws IOException {
        if (value == null || value.isEmpty()) {
            throw new IOException("identity file " + file + ": missing " + name);
        }
    }

    public void save(NodeIdentity identity) throws IOException {
        ensurePrivateDirectory();
        AtomicFile.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(identity), FILE_MODE);
        log.atInfo().addKeyValue("node_id", identity.nodeId()).addKeyValue("file", file.toString())
                .log("node identity saved");
    }

    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    private void ensurePrivateDirectory() throws IOException {
        if (Files.notExists(dataDir)) {
            Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        }
        // createDirectories honours the umask and an existing directory may be wider: set it exactly.
        if (!Files.getPosixFilePermissions(dataDir).equals(DIR_MODE)) {
            Files.setPosixFilePermissions(dataDir, DIR_MODE);
            log.atInfo().addKeyValue("data_dir", dataDir.toString()).log("data directory restricted to mode 0700");
        }
    }
}
