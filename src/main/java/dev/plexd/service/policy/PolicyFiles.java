package dev.plexd.service.policy;

import dev.plexd.sys.AtomicFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Edits the files under {@code <config dir>/services/} for the CLI. Every write is atomic (a
 * hidden temporary file in the same directory, synced, then renamed over the target), so the
 * daemon's watcher reads either the old file or the new one, never a half-written one; the file's
 * resulting text is parsed before it is written, so the CLI never writes a file the daemon would
 * reject. Edits by concurrent CLI runs are serialised by a lock file in the config directory.
 */
public final class PolicyFiles {

    private static final String LOCK_FILE = ".services.lock";
    private static final String POLICY = ".policy";

    private final Path configDir;

    public PolicyFiles(Path configDir) {
        this.configDir = configDir;
    }

    /** Which file a rule edit goes to. */
    public enum Scope { GLOBAL, PEER, ORG }

    /**
     * The file of a rule edit.
     *
     * @param name the peer or org name as the operator gave it (null for global)
     */
    public record Target(Scope scope, String name) {

        /**
         * @throws IllegalArgumentException when the name is not a safe file name (a public key, in
         *                                  any of its spellings, becomes its URL-safe file name)
         */
        public Target {
            if (scope != Scope.GLOBAL) {
                if (fileName(scope, name) == null) {
                    throw new IllegalArgumentException("invalid " + scope.name().toLowerCase() + " name '"
                            + PolicyError.printable(String.valueOf(name)) + "': " + Names.SAFE_NAME_RULE
                            + ", or a public key");
                }
            }
        }

        /**
         * The file, relative to the config directory: for a public key always its URL-safe name,
         * whichever spelling was given (see {@link PolicyFiles#fileOf} for files named otherwise).
         */
        public String file() {
            return switch (scope) {
                case GLOBAL -> PolicySet.GLOBAL_FILE;
                case PEER -> PolicySet.peerFile(fileName(scope, name));
                case ORG -> PolicySet.orgFile(name);
            };
        }

        /** {@code global}, {@code peer 'node-1'}, {@code org 'eosrio'}: as the original's messages say it. */
        public String describe() {
            return scope == Scope.GLOBAL ? "global" : scope.name().toLowerCase() + " '" + name + "'";
        }

        private static String fileName(Scope scope, String name) {
            if (name == null) {
                return null;
            }
            // Every spelling of a key (standard or URL-safe, padded or not) is one file, so that
            // "allow --peer <standard key>" and "remove --peer <URL-safe key>" edit the same one.
            if (scope == Scope.PEER && Names.canonicalKey(name) != null) {
                return Names.fileNameForKey(name);
            }
            return Names.isSafe(name) ? name : null;
        }
    }

    /** What adding a rule did. */
    public record Added(boolean written, Optional<SourcedRule> shadowedBy) {
    }

    /**
     * Appends a rule to the target's file unless the file already holds it.
     *
     * @return whether the file was written, and an earlier rule in the file that already matches
     *         every packet the new one would (so the new one can never decide)
     * @throws PolicyException when the file as it stands, or with the rule, does not parse
     */
    public Added addRule(Target target, Rule rule) throws IOException, PolicyException {
        try (Lock _ = lock()) {
            String relative = fileOf(target);
            Path file = configDir.resolve(relative);
            byte[] current = readIfExists(file);
            List<SourcedRule> existing = PolicyLoader.parseRules(relative, current);
            if (existing.stream().anyMatch(sourced -> sourced.rule().equals(rule))) {
                return new Added(false, Optional.empty());
            }
            Optional<SourcedRule> shadow = existing.stream().filter(sourced -> sourced.rule().shadows(rule)).findFirst();
            String text = new String(current, StandardCharsets.UTF_8);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                text += "\n";
            }
            byte[] updated = (text + rule + "\n").getBytes(StandardCharsets.UTF_8);
            PolicyLoader.parseRules(relative, updated);
            writeAtomically(file, updated);
            return new Added(true, shadow);
        }
    }

    /**
     * Removes every line of the target's file that holds the rule (comments and other rules stay);
     * a file left without rules or comments is deleted.
     *
     * @return false when the file holds no such rule
     */
    public boolean removeRule(Target target, Rule rule) throws IOException, PolicyException {
        try (Lock _ = lock()) {
            String relative = fileOf(target);
            Path file = configDir.resolve(relative);
            byte[] current = readIfExists(file);
            List<SourcedRule> existing = PolicyLoader.parseRules(relative, current);
            List<Integer> lines = existing.stream().filter(sourced -> sourced.rule().equals(rule))
                    .map(SourcedRule::line).toList();
            if (lines.isEmpty()) {
                return false;
            }
            String[] text = new String(current, StandardCharsets.UTF_8).split("\n", -1);
            StringBuilder kept = new StringBuilder();
            for (int i = 0; i < text.length; i++) {
                if (!lines.contains(i + 1) && !(i == text.length - 1 && text[i].isEmpty())) {
                    kept.append(text[i]).append('\n');
                }
            }
            if (kept.toString().isBlank()) {
                Files.deleteIfExists(file);
            } else {
                writeAtomically(file, kept.toString().getBytes(StandardCharsets.UTF_8));
            }
            return true;
        }
    }

    /**
     * The file an edit of {@code target} reads and writes, relative to the config directory:
     * {@link Target#file()}, except for a public key whose only existing file is named by another
     * spelling of it (standard base64, or without padding: written by hand or by an older CLI,
     * and loaded by the daemon all the same). That file is edited where it is, so its rules are
     * still found. Two or more files for the same key are refused: which one to edit is unclear.
     *
     * @throws PolicyException when several files in {@code services/peer/} name the same key
     */
    private String fileOf(Target target) throws IOException, PolicyException {
        String key = target.scope() == Scope.PEER ? Names.canonicalKey(target.name()) : null;
        if (key == null) {
            return target.file();
        }
        List<String> spellings = new ArrayList<>();
        for (Path file : list(configDir.resolve(PolicySet.SERVICES_DIR).resolve("peer"))) {
            String fileName = file.getFileName().toString();
            String name = fileName.substring(0, Math.max(0, fileName.length() - POLICY.length()));
            if (fileName.endsWith(POLICY) && key.equals(Names.canonicalKey(name))) {
                spellings.add(name);
            }
        }
        if (spellings.size() > 1) {
            spellings.sort(null);
            throw new PolicyException(new PolicyError(PolicySet.SERVICES_DIR + "/peer", 0,
                    "several files name the same public key, merge them into " + target.file(),
                    String.join(", ", spellings.stream().map(name -> name + POLICY).toList())));
        }
        return spellings.isEmpty() ? target.file() : PolicySet.peerFile(spellings.getFirst());
    }

    /** Writes {@code services/default}. */
    public void setDefault(Action action) throws IOException {
        try (Lock _ = lock()) {
            writeAtomically(configDir.resolve(PolicySet.DEFAULT_FILE), (action + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Deletes every policy file and the default, so everything is allowed again; aliases and org
     * member lists, which name peers rather than restrict them, stay. Directories left empty are
     * removed.
     *
     * @return false when there was nothing to delete
     */
    public boolean reset() throws IOException {
        Path services = configDir.resolve(PolicySet.SERVICES_DIR);
        if (!Files.isDirectory(services)) {
            return false;
        }
        try (Lock _ = lock()) {
            boolean deleted = Files.deleteIfExists(configDir.resolve(PolicySet.DEFAULT_FILE));
            deleted |= Files.deleteIfExists(configDir.resolve(PolicySet.GLOBAL_FILE));
            for (String dir : List.of("peer", "org")) {
                for (Path file : list(services.resolve(dir))) {
                    if (file.getFileName().toString().endsWith(".policy")) {
                        deleted |= Files.deleteIfExists(file);
                    }
                }
                removeIfEmpty(services.resolve(dir));
            }
            removeIfEmpty(services);
            return deleted;
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var stream = Files.list(dir)) {
            return new ArrayList<>(stream.toList());
        }
    }

    private static void removeIfEmpty(Path dir) throws IOException {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // still holds aliases, members or files the operator put there
        }
    }

    private static byte[] readIfExists(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
    }

    private Lock lock() throws IOException {
        Files.createDirectories(configDir);
        FileChannel channel = FileChannel.open(configDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock();
            return new Lock(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Writes a policy file so the daemon's watcher sees the old or the new content only (mode 0644). */
    public static void writeAtomically(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, content, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** Held while editing; closing the channel releases the lock. */
    private record Lock(FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
