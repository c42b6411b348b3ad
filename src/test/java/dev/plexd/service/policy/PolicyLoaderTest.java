package dev.plexd.service.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyLoaderTest {

    @TempDir
    Path configDir;

    private ServicesDir services() {
        return new ServicesDir(configDir);
    }

    private List<String> errors() {
        try {
            PolicyLoader.load(configDir);
        } catch (PolicyException e) {
            return e.errors().stream().map(PolicyError::toString).toList();
        }
        throw new AssertionError("the policy loaded without errors");
    }

    @Test
    void noServicesDirectoryMeansNotConfiguredAndAllowAll() throws Exception {
        PolicySet set = PolicyLoader.load(configDir);
        assertThat(set.configured()).isFalse();
        assertThat(set.defaultAction()).isEqualTo(Action.ALLOW);
        assertThat(set.allowsEverything()).isTrue();
    }

    @Test
    void readsEveryKindOfFile() throws Exception {
        PolicySet set = services()
                .defaultAction("deny")
                .global("# global rules\n\nallow tcp 22\nallow tcp 443\n")
                .peer("node-1", "allow tcp 5432")
                .org("eosrio", "allow tcp 80\n")
                .members("eosrio", "# members\nnode-2\n\nnode-3\n")
                .aliases("db-admin node-7\n")
                .load();
        assertThat(set.configured()).isTrue();
        assertThat(set.defaultAction()).isEqualTo(Action.DENY);
        assertThat(set.global()).extracting(SourcedRule::toString)
                .containsExactly("services/global.policy:3: allow tcp 22", "services/global.policy:4: allow tcp 443");
        assertThat(set.peers().get("node-1")).extracting(SourcedRule::origin).containsExactly("services/peer/node-1.policy:1");
        assertThat(set.orgs()).containsOnlyKeys("eosrio");
        assertThat(set.orgMembers().get("eosrio")).containsExactly("node-2", "node-3");
        assertThat(set.aliases()).containsEntry("db-admin", "node-7");
    }

    @Test
    void missingDefaultFileIsAllow() throws Exception {
        assertThat(services().global("deny tcp 22").load().defaultAction()).isEqualTo(Action.ALLOW);
    }

    @Test
    void everyBadLineOfEveryFileIsReportedWithFileLineAndToken() {
        services()
                .global("allow tcp 22\nallow tcp 70000\n")
                .peer("node-1", "# ok\nallow tcp\ndeny udp 53 now\n")
                .org("eosrio", "permit tcp 80\n");
        assertThat(errors()).containsExactly(
                "services/global.policy:2: port out of range, expected 0-65535 (70000)",
                "services/org/eosrio.policy:1: unknown action, expected allow or deny (permit)",
                "services/peer/node-1.policy:2: missing port after the protocol (tcp)",
                "services/peer/node-1.policy:3: unexpected text after the port (now)");
    }

    @Test
    void defaultFileErrors() {
        services().defaultAction("maybe");
        assertThat(errors()).containsExactly("services/default:1: unknown default action, expected allow or deny (maybe)");
        services().file("default", "deny\nallow\n");
        assertThat(errors()).containsExactly("services/default:2: unexpected line, the file holds one word: allow or deny (allow)");
        services().file("default", "# nothing\n");
        assertThat(errors()).containsExactly("services/default:1: missing default action, expected allow or deny (empty file)");
    }

    @Test
    void defaultFileAllowsCommentsAndBlanks() throws Exception {
        assertThat(services().file("default", "# posture\n\n  deny  \n").load().defaultAction()).isEqualTo(Action.DENY);
    }

    @Test
    void aliasAndMemberErrors() {
        services()
                .aliases("db-admin node-7\nbad/name x\nlonely\ndb-admin node-8\nx y z\n")
                .members("eosrio", "node-1 node-2\n");
        assertThat(errors()).containsExactly(
                "services/aliases:2: invalid alias name, use 1-128 letters, digits or . _ - = + (no leading dot, no ..) (bad/name)",
                "services/aliases:3: missing node ID or public key after the alias (lonely)",
                "services/aliases:4: duplicate alias, first defined on line 1 (db-admin)",
                "services/aliases:5: unexpected text after the node ID or public key (z)",
                "services/org/eosrio.members:1: unexpected text after the member, one node ID, key or alias per line (node-2)");
    }

    @Test
    void unexpectedEntriesAreErrorsButEditorLeftoversAreIgnored() throws Exception {
        services().global("allow tcp 22\n")
                .file(".global.policy.swp", "garbage")
                .file("global.policy~", "garbage")
                .file("#global.policy#", "garbage")
                .file("peer/.node-1.policy.tmp", "garbage");
        assertThat(PolicyLoader.load(configDir).global()).hasSize(1);

        services().file("notes.txt", "hello").file("peer/node-1.polcy", "allow tcp 22").file("org/eosrio.txt", "x");
        assertThat(errors()).containsExactly(
                "services/notes.txt: unexpected entry, services/ holds default, global.policy, aliases, peer/ and org/ (notes.txt)",
                "services/org/eosrio.txt: unexpected file, org/ holds <name>.policy and <name>.members files (eosrio.txt)",
                "services/peer/node-1.polcy: unexpected file, peer/ holds <name>.policy files (node-1.polcy)");
    }

    @Test
    void unsafeFileNamesAreRejected() {
        services().peer("a b", "allow tcp 22");
        assertThat(errors()).containsExactly("services/peer/a b.policy: invalid peer name, "
                + Names.SAFE_NAME_RULE + " (a b)");
    }

    @Test
    void limitsAreReportedNotTruncated() throws Exception {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= Limits.MAX_RULES_PER_FILE; i++) {
            many.append("allow tcp ").append(i).append('\n');
        }
        services().global(many.toString());
        assertThat(errors()).containsExactly("services/global.policy:1025: too many rules, at most 1024 per file (allow tcp 1024)");

        services().global("allow tcp 22 " + "x".repeat(Limits.MAX_LINE_LENGTH) + "\n");
        assertThat(errors()).containsExactly("services/global.policy:1: line too long, at most 256 characters (269)");

        Path big = configDir.resolve("services/global.policy");
        Files.write(big, new byte[Limits.MAX_FILE_BYTES + 1]);
        assertThat(errors()).containsExactly("services/global.policy: file too large, at most 1048576 bytes (1048577)");
    }

    @Test
    void peerFilesUpToTheLimitLoadOneMoreIsAnError() throws Exception {
        Path peers = Files.createDirectories(configDir.resolve("services/peer"));
        for (int i = 0; i < Limits.MAX_PEER_FILES; i++) {
            Files.writeString(peers.resolve("n" + i + ".policy"), "allow tcp 22\n");
        }
        assertThat(PolicyLoader.load(configDir).peers()).hasSize(Limits.MAX_PEER_FILES);
        Files.writeString(peers.resolve("n" + Limits.MAX_PEER_FILES + ".policy"), "");
        assertThat(errors()).containsExactly("services/peer: too many peer files, at most 4096 (4097)");
    }

    @Test
    void orgFilesUpToTheLimitLoadOneMoreIsAnError() throws Exception {
        // The limit counts .policy and .members files together.
        Path orgs = Files.createDirectories(configDir.resolve("services/org"));
        for (int i = 0; i < Limits.MAX_ORG_FILES / 2; i++) {
            Files.writeString(orgs.resolve("o" + i + ".policy"), "allow tcp " + i + "\n");
            Files.writeString(orgs.resolve("o" + i + ".members"), "node-" + i + "\n");
        }
        PolicySet set = PolicyLoader.load(configDir);
        assertThat(set.orgs()).hasSize(Limits.MAX_ORG_FILES / 2);
        assertThat(set.orgMembers()).hasSize(Limits.MAX_ORG_FILES / 2);
        assertThat(set.orgs().get("o511")).extracting(SourcedRule::origin).containsExactly("services/org/o511.policy:1");
        assertThat(set.orgMembers().get("o511")).containsExactly("node-511");

        Files.writeString(orgs.resolve("extra.members"), "node-1\n");
        assertThat(errors()).containsExactly("services/org: too many org files, at most 1024 (1025)");
    }

    @Test
    void rulesInAllFilesUpToTheLimitLoadOneMoreIsAnError() throws Exception {
        // 64 peer files of 1,024 rules each: exactly the limit of 65,536.
        StringBuilder full = new StringBuilder();
        for (int i = 0; i < Limits.MAX_RULES_PER_FILE; i++) {
            full.append(i % 2 == 0 ? "allow" : "deny").append(" tcp ").append(i).append('\n');
        }
        int files = Limits.MAX_TOTAL_RULES / Limits.MAX_RULES_PER_FILE;
        for (int f = 0; f < files; f++) {
            services().peer("n" + f, full.toString());
        }
        PolicySet set = PolicyLoader.load(configDir);
        assertThat(set.peers().values().stream().mapToInt(List::size).sum()).isEqualTo(Limits.MAX_TOTAL_RULES);
        assertThat(set.peers().get("n63").getLast().origin()).isEqualTo("services/peer/n63.policy:1024");
        assertThat(set.peers().get("n63").getLast().rule().toString()).isEqualTo("deny tcp 1023");

        services().global("allow tcp 22\n");
        assertThat(errors()).containsExactly("services: too many rules in all files, at most 65536 (65537)");
    }

    @Test
    void namesUpToTheLengthLimitLoadLongerOnesAreErrors() throws Exception {
        String longest = "p".repeat(Limits.MAX_NAME_LENGTH);
        String tooLong = "q".repeat(Limits.MAX_NAME_LENGTH + 1);
        assertThat(Names.isSafe(longest)).isTrue();
        assertThat(Names.isSafe(tooLong)).isFalse();

        services().peer(longest, "allow tcp 22\n").org(longest, "allow tcp 80\n").members(longest, "node-1\n")
                .aliases(longest + " node-1\n");
        PolicySet set = PolicyLoader.load(configDir);
        assertThat(set.peers()).containsOnlyKeys(longest);
        assertThat(set.orgs()).containsOnlyKeys(longest);
        assertThat(set.orgMembers()).containsOnlyKeys(longest);
        assertThat(set.aliases()).containsEntry(longest, "node-1");

        services().peer(tooLong, "allow tcp 22\n").org(tooLong, "allow tcp 80\n").aliases(tooLong + " node-1\n");
        assertThat(errors()).containsExactly(
                "services/aliases:1: invalid alias name, " + Names.SAFE_NAME_RULE + " (" + tooLong + ")",
                "services/org/" + tooLong + ".policy: invalid org name, " + Names.SAFE_NAME_RULE + " (" + tooLong + ")",
                "services/peer/" + tooLong + ".policy: invalid peer name, " + Names.SAFE_NAME_RULE + " (" + tooLong + ")");
    }

    @Test
    void invalidUtf8AndControlCharactersAreShownSafely() throws Exception {
        Path global = Files.createDirectories(configDir.resolve("services")).resolve("global.policy");
        Files.write(global, new byte[]{'a', 'l', 'l', 'o', 'w', ' ', 't', 'c', 'p', ' ', '2', '2', '\n', (byte) 0xff, '\n',
                'a', 'l', 'l', 'o', 'w', 0x1b, ' ', 't', 'c', 'p', ' ', '1', '\n'});
        assertThat(errors()).containsExactly(
                "services/global.policy:2: not valid UTF-8 text",
                "services/global.policy:3: unknown action, expected allow or deny (allow\\x1b)");
    }

    @Test
    void crlfFilesParse() throws Exception {
        assertThat(services().global("allow tcp 22\r\ndeny all\r\n").load().global()).hasSize(2);
    }

    @Test
    void structureErrors() throws Exception {
        Files.createDirectories(configDir.resolve("services"));
        Files.writeString(configDir.resolve("services/peer"), "not a dir");
        Files.createDirectories(configDir.resolve("services/global.policy"));
        assertThat(errors()).containsExactly("services/global.policy: not a regular file", "services/peer: not a directory");
    }

    @Test
    void parseRulesChecksOneFilesText() throws Exception {
        assertThat(PolicyLoader.parseRules("services/global.policy", "allow tcp 22\n".getBytes(StandardCharsets.UTF_8)))
                .hasSize(1);
        assertThatThrownBy(() -> PolicyLoader.parseRules("services/global.policy", "allow tcp x\n".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("services/global.policy:1: invalid port, expected a number 0-65535, a range min-max or all (x)");
    }
}
