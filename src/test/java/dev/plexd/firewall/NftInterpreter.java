package dev.plexd.firewall;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates a new packet (no conntrack state) against the chain {@link NftRuleset} generates, for
 * tests: set lookups by their key expression, and the plain match forms the builder writes.
 */
final class NftInterpreter {

    private NftInterpreter() {
    }

    static boolean allows(NftState state, String chain, NftRulesetTest.Packet packet) {
        for (String rule : state.chains().get(chain).rules()) {
            if (rule.startsWith("ct state") || rule.startsWith("icmpv6")) {
                continue;
            }
            List<String> tokens = List.of(rule.split(" "));
            String verdict = tokens.getLast();
            boolean match = rule.contains(" @") ? lookup(state, rule, packet) : plain(tokens.subList(0, tokens.size() - 1), packet);
            if (match) {
                return verdict.equals("accept");
            }
        }
        throw new AssertionError("chain " + chain + " does not end with a verdict");
    }

    private static boolean lookup(NftState state, String rule, NftRulesetTest.Packet packet) {
        String keyExpression = rule.substring(0, rule.indexOf(" @"));
        String set = rule.substring(rule.indexOf(" @") + 2, rule.lastIndexOf(' '));
        List<String> key = new ArrayList<>();
        for (String part : keyExpression.split(" \\. ")) {
            String value = field(part, packet);
            if (value == null) {
                return false;
            }
            key.add(value);
        }
        return state.sets().get(set).elements().contains(String.join(" . ", key));
    }

    /** The packet's value for a key part, or null when the packet has no such field (wrong family, no ports). */
    private static String field(String part, NftRulesetTest.Packet packet) {
        boolean v4 = packet.src() instanceof Inet4Address;
        return switch (part) {
            case "ip saddr" -> v4 ? Address.format(packet.src()) : null;
            case "ip daddr" -> v4 ? Address.format(packet.dst()) : null;
            case "ip6 saddr" -> v4 ? null : Address.format(packet.src());
            case "ip6 daddr" -> v4 ? null : Address.format(packet.dst());
            case "meta l4proto" -> packet.protocol();
            case "th dport" -> packet.protocol().equals("icmp") ? null : Integer.toString(packet.port());
            default -> throw new AssertionError("unknown key part " + part);
        };
    }

    private static boolean plain(List<String> tokens, NftRulesetTest.Packet packet) {
        boolean v4 = packet.src() instanceof Inet4Address;
        for (int i = 0; i < tokens.size(); i += 3) {
            String a = tokens.get(i);
            String b = tokens.get(i + 1);
            String value = tokens.get(i + 2);
            boolean ok = switch (a + " " + b) {
                case "ip saddr" -> v4 && Address.parse(value).overlaps(new Address.Host(packet.src()));
                case "ip daddr" -> v4 && Address.parse(value).overlaps(new Address.Host(packet.dst()));
                case "ip6 saddr" -> !v4 && Address.parse(value).overlaps(new Address.Host(packet.src()));
                case "ip6 daddr" -> !v4 && Address.parse(value).overlaps(new Address.Host(packet.dst()));
                case "meta l4proto" -> packet.protocol().equals(value);
                case "tcp dport", "udp dport" -> packet.protocol().equals(a) && Integer.toString(packet.port()).equals(value);
                default -> throw new AssertionError("unknown match " + a + " " + b);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
