package dev.plexd.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plexd.api.Json;
import dev.plexd.api.StateResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Desired state from a local file in the control plane's state format, JSON ({@code .json}) or
 * YAML (anything else). This is what a node without a control plane runs on. A file that cannot
 * be read or parsed fails the fetch with its path and position, so the last applied state stays.
 */
public final class FileStateSource implements StateSource {

    private static final Logger log = LoggerFactory.getLogger(FileStateSource.class);

    private final Path file;

    public FileStateSource(Path file) {
        this.file = file;
    }

    @Override
    public StateResponse fetchState() throws IOException {
        return read(file);
    }

    /** Reads a state file; shared by everything that loads one (the development control plane too). */
    public static StateResponse read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IOException("state file " + file + ": does not exist", e);
        }
        ObjectMapper mapper = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json") ? Json.MAPPER : Json.YAML;
        try {
            StateResponse state = mapper.readValue(text, StateResponse.class);
            if (state == null) {
                throw new IOException("state file " + file + ": empty");
            }
            return state;
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String position = where == null ? "" : ":" + where.getLineNr() + ":" + where.getColumnNr();
            throw new IOException("state file " + file + position + ": " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void reportDrift(DriftReport report) {
        if (!report.corrections().isEmpty()) {
            log.atInfo().addKeyValue("state_file", file.toString()).addKeyValue("corrections", report.corrections().size())
                    .log("local state applied");
        }
    }

    public Path file() {
        return file;
    }
}
