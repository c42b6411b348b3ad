package dev.plexd.daemon.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.plexd.api.Json;
import dev.plexd.api.StateResponse;
import dev.plexd.sys.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The last applied desired state, kept under the data directory so a restarted daemon enforces it
 * before it can reach the control plane. Writes are atomic (temp file, fsync, rename, fsync of the
 * directory) so a crash leaves the old file or the new one, never a torn one. The file holds peer
 * preshared keys and is written 0600.
 */
public final class StateStore {

    public static final String FILE_NAME = "state.json";
    /** A file that could not be read is moved here for inspection; the next save writes a fresh one. */
    public static final String CORRUPT_SUFFIX = ".corrupt";

    private static final Logger log = LoggerFactory.getLogger(StateStore.class);

    /** What {@link #load()} found. */
    public sealed interface Loaded {
    }

    public record Restored(StateResponse state) implements Loaded {
    }

    public record Missing() implements Loaded {
    }

    /** The file exists but is not a state: the daemon treats this as "no state" and denies all. */
    public record Corrupt(String reason) implements Loaded {
    }

    private final Path file;

    public StateStore(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /**
     * Reads the persisted state. Never throws: an unreadable file is {@link Corrupt}, moved aside
     * and logged as an error, and the caller falls back to deny-all, never to allow.
     */
    public Loaded load() {
        removeStaleTemps();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Missing();
        } catch (IOException e) {
            return corrupt("cannot read: " + e.getMessage());
        }
        try {
            StateResponse state = Json.MAPPER.readValue(bytes, StateResponse.class);
            if (state == null) {
                return corrupt("empty");
            }
            return new Restored(state);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            return corrupt((at == null ? "" : "line " + at.getLineNr() + " column " + at.getColumnNr() + ": ")
                    + e.getOriginalMessage());
        } catch (IOException e) {
            return corrupt(e.getMessage());
        }
    }

    private Corrupt corrupt(String reason) {
        Path aside = file.resolveSibling(FILE_NAME + CORRUPT_SUFFIX);
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            aside = file;
        }
        log.atError().addKeyValue("file", file.toString()).addKeyValue("moved_to", aside.toString())
                .addKeyValue("reason", reason).log("persisted state is corrupt; treating it as no state (deny all)");
        return new Corrupt(file + ": " + reason);
    }

    /** Writes the state atomically with mode 0600. */
    public void save(StateResponse state) throws IOException {
        AtomicFile.write(file, Json.MAPPER.writeValueAsBytes(state), AtomicFile.OWNER_ONLY);
    }

    /** Temp files left by a crash between create and rename. */
    private void removeStaleTemps() {
        try {
            AtomicFile.removeLeftovers(file);
        } catch (IOException e) {
            log.atWarn().addKeyValue("dir", file.getParent().toString()).setCause(e).log("cannot remove stale state temp files");
        }
    }
}
