package dev.plexd.service.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything under {@code <config dir>/services/}, parsed and checked: the immutable input of the
 * compile step. Maps are sorted by name, which is the documented evaluation order of orgs and of
 * peer files of the same kind.
 *
 * <p>A peer file, org member or alias target names a peer by node ID or by public key (standard or
 * URL-safe base64); a peer file or member may also be an alias. The set keeps an index from node
 * IDs and keys to the files and orgs that name them, so resolving a peer costs a few map lookups
 * however many files there are.
 */
public final class PolicySet {

    public static final String SERVICES_DIR = "services";
    public static final String DEFAULT_FILE = SERVICES_DIR + "/default";
    public static final String GLOBAL_FILE = SERVICES_DIR + "/global.policy";
    public static final String ALIASES_FILE = SERVICES_DIR + "/aliases";

    /** No {@code services/} directory: every packet passes, like plain WireGuard. */
    public static final PolicySet NONE = new PolicySet(false, Action.ALLOW, List.of(), Map.of(), Map.of(), Map.of(), Map.of());

    /** Used when the files are bad and no good policy was ever loaded: fail closed. */
    public static final PolicySet DENY_ALL = new PolicySet(true, Action.DENY, List.of(), Map.of(), Map.of(), Map.of(), Map.of());

    private final boolean configured;
    private final Action defaultAction;
    private final List<SourcedRule> global;
    private final SortedMap<String, List<SourcedRule>> peers;
    private final SortedMap<String, List<SourcedRule>> orgs;
    private final SortedMap<String, List<String>> orgMembers;
    private final SortedMap<String, String> aliases;

    /** "n:" + node ID or "k:" + canonical key → peer file names / orgs that name it. */
    private final Map<String, List<String>> peerFilesByToken = new HashMap<>();
    private final Map<String, List<String>> orgsByToken = new HashMap<>();

    /**
     * @param configured    whether {@code services/} exists; without it everything is allowed
     * @param defaultAction {@code services/default}, ALLOW when the file is missing
     * @param global        {@code services/global.policy}
     * @param peers         {@code services/peer/<name>.policy} by name
     * @param orgs          {@code services/org/<name>.policy} by org name
     * @param orgMembers    {@code services/org/<name>.members}: node IDs, keys or aliases, by org name
     * @param aliases       {@code services/aliases}: alias → node ID or public key
     */
    public PolicySet(boolean configured, Action defaultAction, List<SourcedRule> global,
                     Map<String, List<SourcedRule>> peers, Map<String, List<SourcedRule>> orgs,
                     Map<String, List<String>> orgMembers, Map<String, String> aliases) {
        this.configured = configured;
        this.defaultAction = Objects.requireNonNull(defaultAction);
        this.global = List.copyOf(global);
        this.peers = frozen(peers);
        this.orgs = frozen(orgs);
        this.orgMembers = frozen(orgMembers);
        this.aliases = Collections.unmodifiableSortedMap(new TreeMap<>(aliases));
        this.peers.keySet().forEach(name -> index(peerFilesByToken, name, name));
        this.orgMembers.forEach((org, members) -> members.forEach(member -> index(orgsByToken, member, org)));
    }

    private static <V> SortedMap<String, List<V>> frozen(Map<String, List<V>> map) {
        TreeMap<String, List<V>> copy = new TreeMap<>();
        map.forEach((name, list) -> copy.put(name, List.copyOf(list)));
        return Collections.unmodifiableSortedMap(copy);
    }

    /** Files {@code name} under every token it can stand for: itself and, for an alias, its target. */
    private void index(Map<String, List<String>> index, String name, String value) {
        TreeSet<String> tokens = new TreeSet<>(tokens(name));
        String target = aliases.get(name);
        if (target != null) {
            tokens.addAll(tokens(target));
        }
        for (String token : tokens) {
            index.computeIfAbsent(token, t -> new ArrayList<>()).add(value);
        }
    }

    private static List<String> tokens(String name) {
        String key = Names.canonicalKey(name);
        return key == null ? List.of("n:" + name) : List.of("n:" + name, "k:" + key);
    }

    private static List<String> tokens(PeerIdentity peer) {
        List<String> tokens = new ArrayList<>(2);
        if (peer.nodeId() != null) {
            tokens.add("n:" + peer.nodeId());
        }
        if (peer.publicKey() != null) {
            tokens.add("k:" + peer.publicKey());
        }
        return tokens;
    }

    public boolean configured() {
        return configured;
    }

    public Action defaultAction() {
        return defaultAction;
    }

    public List<SourcedRule> global() {
        return global;
    }

    public SortedMap<String, List<SourcedRule>> peers() {
        return peers;
    }

    public SortedMap<String, List<SourcedRule>> orgs() {
        return orgs;
    }

    public SortedMap<String, List<String>> orgMembers() {
        return orgMembers;
    }

    public SortedMap<String, String> aliases() {
        return aliases;
    }

    public static String peerFile(String name) {
        return SERVICES_DIR + "/peer/" + name + ".policy";
    }

    public static String orgFile(String name) {
        return SERVICES_DIR + "/org/" + name + ".policy";
    }

    public static String membersFile(String name) {
        return SERVICES_DIR + "/org/" + name + ".members";
    }

    /** Whether no packet can be denied: the default allows and no rule denies. */
    public boolean allowsEverything() {
        return defaultAction == Action.ALLOW
                && allRules().stream().allMatch(rule -> rule.rule().action() == Action.ALLOW);
    }

    /** Every rule: global, then peer files, then org files, each by name. */
    public List<SourcedRule> allRules() {
        List<SourcedRule> all = new ArrayList<>(global);
        peers.values().forEach(all::addAll);
        orgs.values().forEach(all::addAll);
        return all;
    }

    /**
     * The identity a name stands for when no peer directory is at hand (the CLI): an alias stands
     * for its target; a key in any form is a key; anything else is a node ID.
     */
    public PeerIdentity identify(String name) {
        String target = aliases.getOrDefault(name, name);
        String key = Names.canonicalKey(target);
        return key != null ? new PeerIdentity(null, key, List.of()) : new PeerIdentity(target, null, List.of());
    }

    /**
     * The rules that apply to a peer, in evaluation order: its peer files (the node-ID file, then
     * alias files, then key files; by name within each), the files of its orgs (member files and
     * control-plane marks, by org name), the global file; then the default.
     */
    public EffectivePolicy effectiveFor(PeerIdentity peer) {
        TreeSet<String> named = new TreeSet<>();
        TreeSet<String> memberOf = new TreeSet<>(peer.orgs());
        for (String token : tokens(peer)) {
            named.addAll(peerFilesByToken.getOrDefault(token, List.of()));
            memberOf.addAll(orgsByToken.getOrDefault(token, List.of()));
        }
        List<String> peerFiles = new ArrayList<>(named);
        peerFiles.sort(Comparator.comparingInt((String name) -> peerFileRank(name, peer)));
        List<String> orgsWithRules = memberOf.stream().filter(orgs::containsKey).toList();

        List<SourcedRule> rules = new ArrayList<>();
        peerFiles.forEach(name -> rules.addAll(peers.get(name)));
        orgsWithRules.forEach(org -> rules.addAll(orgs.get(org)));
        rules.addAll(global);
        return new EffectivePolicy(new PolicyKey(peerFiles, orgsWithRules), List.copyOf(memberOf), rules,
                defaultAction, configured);
    }

    private int peerFileRank(String name, PeerIdentity peer) {
        if (name.equals(peer.nodeId())) {
            return 0;
        }
        String target = aliases.get(name);
        return target != null && peer.isNamed(target) ? 1 : 2;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PolicySet that && configured == that.configured && defaultAction == that.defaultAction
                && global.equals(that.global) && peers.equals(that.peers) && orgs.equals(that.orgs)
                && orgMembers.equals(that.orgMembers) && aliases.equals(that.aliases);
    }

    @Override
    public int hashCode() {
        return Objects.hash(configured, defaultAction, global, peers, orgs, orgMembers, aliases);
    }

    @Override
    public String toString() {
        return "PolicySet[configured=" + configured + ", default=" + defaultAction + ", global=" + global.size()
                + " rules, peers=" + peers.keySet() + ", orgs=" + orgs.keySet() + ", aliases=" + aliases.size() + "]";
    }
}
