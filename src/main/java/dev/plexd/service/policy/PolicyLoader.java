package dev.plexd.service.policy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads and checks {@code <config dir>/services/}. Every problem in every file is collected and
 * reported together as {@code file:line: message (token)}; a directory with any problem yields no
 * policy at all, so a bad file can never take effect partly (the original dropped a bad file and
 * failed open). Hidden files, {@code name~} backups and {@code #name#} autosaves, which editors
 * leave next to the files they edit, are ignored; any other unexpected entry is an error.
 */
public final class PolicyLoader {

    private static final String POLICY = ".policy";
    private static final String MEMBERS = ".members";

    private final Path configDir;
    private final List<PolicyError> errors = new ArrayList<>();
    private int totalRules;

    private PolicyLoader(Path configDir) {
        this.configDir = configDir;
    }

    /**
     * @return {@link PolicySet#NONE}-like "not configured" when {@code services/} does not exist
     * @throws PolicyException listing every problem found
     */
    public static PolicySet load(Path configDir) throws PolicyException {
        return new PolicyLoader(configDir).loadAll();
    }

    private PolicySet loadAll() throws PolicyException {
        Path services = configDir.resolve(PolicySet.SERVICES_DIR);
        if (!Files.exists(services)) {
            return PolicySet.NONE;
        }
        if (!Files.isDirectory(services)) {
            throw new PolicyException(new PolicyError(PolicySet.SERVICES_DIR, 0, "not a directory", null));
        }
        Action defaultAction = Action.ALLOW;
        List<SourcedRule> global = List.of();
        TreeMap<String, String> aliases = new TreeMap<>();
        TreeMap<String, List<SourcedRule>> peers = new TreeMap<>();
        TreeMap<String, List<SourcedRule>> orgs = new TreeMap<>();
        TreeMap<String, List<String>> members = new TreeMap<>();

        for (Path entry : entries(services, PolicySet.SERVICES_DIR)) {
            String name = entry.getFileName().toString();
            String display = PolicySet.SERVICES_DIR + "/" + name;
            switch (name) {
                case "default" -> defaultAction = readDefault(entry, display);
                case "global.policy" -> global = readRules(entry, display);
                case "aliases" -> readAliases(entry, display, aliases);
                case "peer" -> readPeers(entry, display, peers);
                case "org" -> readOrgs(entry, display, orgs, members);
                default -> errors.add(new PolicyError(display, 0,
                        "unexpected entry, services/ holds default, global.policy, aliases, peer/ and org/", name));
            }
        }
        if (totalRules > Limits.MAX_TOTAL_RULES) {
            errors.add(new PolicyError(PolicySet.SERVICES_DIR, 0,
                    "too many rules in all files, at most " + Limits.MAX_TOTAL_RULES, Integer.toString(totalRules)));
        }
        if (!errors.isEmpty()) {
            throw new PolicyException(errors);
        }
        return new PolicySet(true, defaultAction, global, peers, orgs, members, aliases);
    }

    private void readPeers(Path dir, String display, TreeMap<String, List<SourcedRule>> peers) {
        if (!requireDirectory(dir, display)) {
            return;
        }
        List<Path> files = entries(dir, display);
        if (files.size() > Limits.MAX_PEER_FILES) {
            errors.add(new PolicyError(display, 0, "too many peer files, at most " + Limits.MAX_PEER_FILES,
                    Integer.toString(files.size())));
            return;
        }
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            String name = stripSuffix(fileName, POLICY);
            String fileDisplay = display + "/" + fileName;
            if (name == null) {
                errors.add(new PolicyError(fileDisplay, 0, "unexpected file, peer/ holds <name>.policy files", fileName));
            } else if (checkName(name, fileDisplay, "peer")) {
                peers.put(name, readRules(file, fileDisplay));
            }
        }
    }

    private void readOrgs(Path dir, String display, TreeMap<String, List<SourcedRule>> orgs,
                          TreeMap<String, List<String>> members) {
        if (!requireDirectory(dir, display)) {
            return;
        }
        List<Path> files = entries(dir, display);
        if (files.size() > Limits.MAX_ORG_FILES) {
            errors.add(new PolicyError(display, 0, "too many org files, at most " + Limits.MAX_ORG_FILES,
                    Integer.toString(files.size())));
            return;
        }
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            String fileDisplay = display + "/" + fileName;
            String policyName = stripSuffix(fileName, POLICY);
            String membersName = stripSuffix(fileName, MEMBERS);
            if (policyName != null) {
                if (checkName(policyName, fileDisplay, "org")) {
                    orgs.put(policyName, readRules(file, fileDisplay));
                }
            } else if (membersName != null) {
                if (checkName(membersName, fileDisplay, "org")) {
                    members.put(membersName, readMembers(file, fileDisplay));
                }
            } else {
                errors.add(new PolicyError(fileDisplay, 0,
                        "unexpected file, org/ holds <name>.policy and <name>.members files", fileName));
            }
        }
    }

    /**
     * Parses the text of one policy file with the loader's checks (size, line length, UTF-8,
     * grammar, rules per file), for the CLI to validate a file before it writes it.
     *
     * @param display the file's name in errors, e.g. {@code services/global.policy}
     */
    public static List<SourcedRule> parseRules(String display, byte[] content) throws PolicyException {
        PolicyLoader loader = new PolicyLoader(null);
        List<SourcedRule> rules = loader.rules(loader.lines(content, display), display);
        if (!loader.errors.isEmpty()) {
            throw new PolicyException(loader.errors);
        }
        return rules;
    }

    private List<SourcedRule> readRules(Path file, String display) {
        return rules(readLines(file, display), display);
    }

    private List<SourcedRule> rules(List<String> lines, String display) {
        List<SourcedRule> rules = new ArrayList<>();
        if (lines == null) {
            return rules;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line == null || RuleParser.isBlankOrComment(line)) {
                continue;
            }
            try {
                rules.add(new SourcedRule(RuleParser.parse(line), display, i + 1));
            } catch (RuleSyntaxException e) {
                errors.add(e.at(display, i + 1));
                continue;
            }
            if (rules.size() == Limits.MAX_RULES_PER_FILE + 1) {
                errors.add(new PolicyError(display, i + 1, "too many rules, at most " + Limits.MAX_RULES_PER_FILE
                        + " per file", rules.getLast().rule().toString()));
            }
        }
        totalRules += rules.size();
        return rules;
    }

    private Action readDefault(Path file, String display) {
        List<String> lines = readLines(file, display);
        if (lines == null) {
            return Action.DENY;
        }
        Action action = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line == null || RuleParser.isBlankOrComment(line)) {
                continue;
            }
            String word = RuleParser.trim(line);
            if (action != null) {
                errors.add(new PolicyError(display, i + 1, "unexpected line, the file holds one word: allow or deny", word));
                continue;
            }
            action = Action.of(word);
            if (action == null) {
                errors.add(new PolicyError(display, i + 1, "unknown default action, expected allow or deny", word));
                action = Action.DENY;
            }
        }
        if (action == null) {
            errors.add(new PolicyError(display, 1, "missing default action, expected allow or deny", "empty file"));
            return Action.DENY;
        }
        return action;
    }

    private void readAliases(Path file, String display, TreeMap<String, String> aliases) {
        List<String> lines = readLines(file, display);
        if (lines == null) {
            return;
        }
        TreeMap<String, Integer> definedAt = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line == null || RuleParser.isBlankOrComment(line)) {
                continue;
            }
            List<String> words = RuleParser.words(line);
            String alias = words.get(0);
            if (!Names.isSafe(alias)) {
                errors.add(new PolicyError(display, i + 1, "invalid alias name, " + Names.SAFE_NAME_RULE, alias));
            } else if (words.size() < 2) {
                errors.add(new PolicyError(display, i + 1, "missing node ID or public key after the alias", alias));
            } else if (words.size() > 2) {
                errors.add(new PolicyError(display, i + 1, "unexpected text after the node ID or public key", words.get(2)));
            } else if (definedAt.containsKey(alias)) {
                errors.add(new PolicyError(display, i + 1, "duplicate alias, first defined on line " + definedAt.get(alias), alias));
            } else {
                definedAt.put(alias, i + 1);
                aliases.put(alias, words.get(1));
            }
        }
    }

    private List<String> readMembers(Path file, String display) {
        List<String> lines = readLines(file, display);
        List<String> members = new ArrayList<>();
        if (lines == null) {
            return members;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line == null || RuleParser.isBlankOrComment(line)) {
                continue;
            }
            List<String> words = RuleParser.words(line);
            if (words.size() > 1) {
                errors.add(new PolicyError(display, i + 1, "unexpected text after the member, one node ID, key or alias per line",
                        words.get(1)));
            } else {
                members.add(words.get(0));
            }
        }
        return members;
    }

    /**
     * The file's lines, with the size and line-length limits checked and each line decoded as
     * strict UTF-8; a line with a problem is reported and comes back as null. Null when the file
     * cannot be used at all.
     */
    private List<String> readLines(Path file, String display) {
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) {
                errors.add(new PolicyError(display, 0, "not a regular file", null));
                return null;
            }
            long size = Files.size(file);
            if (size > Limits.MAX_FILE_BYTES) {
                errors.add(new PolicyError(display, 0, "file too large, at most " + Limits.MAX_FILE_BYTES + " bytes",
                        Long.toString(size)));
                return null;
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            // Removed between listing and reading: the watcher reloads again for that change.
            errors.add(new PolicyError(display, 0, "disappeared while reading", null));
            return null;
        } catch (IOException e) {
            errors.add(new PolicyError(display, 0, "cannot read: " + e.getMessage(), null));
            return null;
        }
        return lines(bytes, display);
    }

    private List<String> lines(byte[] bytes, String display) {
        if (bytes.length > Limits.MAX_FILE_BYTES) {
            errors.add(new PolicyError(display, 0, "file too large, at most " + Limits.MAX_FILE_BYTES + " bytes",
                    Integer.toString(bytes.length)));
            return null;
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                lines.add(decodeLine(bytes, start, i, display, lines.size() + 1));
                start = i + 1;
            }
        }
        return lines;
    }

    private String decodeLine(byte[] bytes, int from, int to, String display, int lineNumber) {
        String line;
        try {
            line = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            errors.add(new PolicyError(display, lineNumber, "not valid UTF-8 text", null));
            return null;
        }
        if (line.length() > Limits.MAX_LINE_LENGTH) {
            errors.add(new PolicyError(display, lineNumber, "line too long, at most " + Limits.MAX_LINE_LENGTH
                    + " characters", Integer.toString(line.length())));
            return null;
        }
        return line;
    }

    private boolean checkName(String name, String display, String kind) {
        if (Names.isSafe(name)) {
            return true;
        }
        errors.add(new PolicyError(display, 0, "invalid " + kind + " name, " + Names.SAFE_NAME_RULE, name));
        return false;
    }

    private boolean requireDirectory(Path dir, String display) {
        if (Files.isDirectory(dir)) {
            return true;
        }
        errors.add(new PolicyError(display, 0, "not a directory", null));
        return false;
    }

    /** The directory's entries by name, without the ones editors leave behind. */
    private List<Path> entries(Path dir, String display) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                if (!isEditorLeftover(entry.getFileName().toString())) {
                    entries.add(entry);
                }
            }
        } catch (NoSuchFileException e) {
            return entries;
        } catch (IOException e) {
            errors.add(new PolicyError(display, 0, "cannot list: " + e.getMessage(), null));
        }
        entries.sort(null);
        return entries;
    }

    /** Hidden files (vim swap files, our own temporary files), {@code name~} backups and {@code #name#} autosaves. */
    public static boolean isEditorLeftover(String fileName) {
        return fileName.startsWith(".") || fileName.endsWith("~") || fileName.startsWith("#");
    }

    private static String stripSuffix(String fileName, String suffix) {
        return fileName.endsWith(suffix) ? fileName.substring(0, fileName.length() - suffix.length()) : null;
    }
}
