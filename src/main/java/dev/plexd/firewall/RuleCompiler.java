package dev.plexd.firewall;

import dev.plexd.firewall.Address.Family;
import dev.plexd.policy.FirewallException;
import dev.plexd.policy.FirewallRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Validates the rules given to {@code applyRules} and turns them into {@link CompiledRule}s, the
 * same way for every backend. Any invalid rule fails the whole list (nothing is applied); a rule
 * that can match no packet, above all one with an empty address (a peer the PolicyEngine does not
 * know), is dropped with a warning: it is never widened to "any".
 */
final class RuleCompiler {

    private static final Logger log = LoggerFactory.getLogger(RuleCompiler.class);

    /** Linux interface names: up to 15 bytes; only characters that need no quoting anywhere. */
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.+@-]{1,15}");
    /** Short enough that {@code <chain>-forward} fits iptables' 28-character chain names. */
    private static final Pattern CHAIN = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,19}");

    /**
     * @param iface the one mesh interface the rules name, or null when the list is empty
     * @param rules the rules that can match, in order
     */
    record Compiled(String iface, List<CompiledRule> rules, int skipped) {
    }

    private RuleCompiler() {
    }

    static void validateChain(String chain) throws FirewallException {
        if (chain == null || !CHAIN.matcher(chain).matches()) {
            throw new FirewallException("firewall: invalid chain name \"" + chain
                    + "\": expected a letter then up to 19 letters, digits, '_' or '-'");
        }
    }

    /**
     * One rule's outcome: the compiled rule, or (rule null) why it can match no packet.
     */
    record Outcome(CompiledRule rule, String skippedBecause) {
    }

    static Compiled compile(String chain, List<FirewallRule> rules) throws FirewallException {
        List<FirewallRule> list = rules == null ? List.of() : rules;
        String iface = iface(list);
        List<CompiledRule> compiled = new ArrayList<>();
        int skipped = 0;
        String firstSkipped = null;
        for (int i = 0; i < list.size(); i++) {
            Outcome outcome = rule(i + 1, list.get(i), iface);
            if (outcome.rule() != null) {
                compiled.add(outcome.rule());
            } else if (skipped++ == 0) {
                firstSkipped = describeSkipped(i + 1, list.get(i), outcome.skippedBecause());
            }
        }
        warnSkipped(chain, skipped, firstSkipped);
        return new Compiled(iface, List.copyOf(compiled), skipped);
    }

    /** The one interface a valid list names: its first rule's; null for an empty list (or a missing first rule). */
    static String iface(List<FirewallRule> rules) {
        return rules.isEmpty() || rules.getFirst() == null ? null : rules.getFirst().iface();
    }

    /**
     * Validates and compiles the rule at 1-based {@code position} of a list whose interface is
     * {@code iface}. Rules are validated independently of each other but for the interface, so a
     * rule that compiled once compiles the same at another position of a list with the same interface.
     */
    static Outcome rule(int position, FirewallRule rule, String iface) throws FirewallException {
        if (rule == null) {
            throw invalid(position, null, "missing rule");
        }
        try {
            rule.validate();
        } catch (IllegalArgumentException e) {
            throw invalid(position, rule, e.getMessage());
        }
        if (rule.iface() == null || !INTERFACE.matcher(rule.iface()).matches()
                || rule.iface().equals(".") || rule.iface().equals("..")) {
            throw invalid(position, rule, "invalid interface name \"" + rule.iface() + "\"");
        }
        if (!rule.iface().equals(iface)) {
            throw invalid(position, rule, "names interface \"" + rule.iface() + "\" but earlier rules name \""
                    + iface + "\"; a chain serves one mesh interface");
        }
        Address src = address(rule.srcIp(), "source", position, rule);
        Address dst = address(rule.dstIp(), "destination", position, rule);
        if (src == null || dst == null) {
            return new Outcome(null, "empty " + (src == null ? "source" : "destination") + " address (unknown peer)");
        }
        if (src.family() != Family.ANY && dst.family() != Family.ANY && src.family() != dst.family()) {
            return new Outcome(null, "source and destination are of different IP families");
        }
        return new Outcome(new CompiledRule(position, rule.isAllow(), src, dst, rule.protocol(), rule.port()), null);
    }

    static String describeSkipped(int position, FirewallRule rule, String why) {
        return "#" + position + " " + rule + ": " + why;
    }

    /** The one warning per apply when rules were skipped: how many, and the first with its reason. */
    static void warnSkipped(String chain, int skipped, String firstSkipped) {
        if (skipped > 0) {
            log.atWarn().addKeyValue("chain", chain).addKeyValue("skipped_rules", skipped)
                    .addKeyValue("first_skipped", firstSkipped)
                    .log("firewall rules that can match no packet were skipped, not widened");
        }
    }

    /** Null for an empty address, which matches nothing. */
    private static Address address(String text, String end, int position, FirewallRule rule) throws FirewallException {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid(position, rule, "invalid " + end + " address: " + e.getMessage());
        }
    }

    private static FirewallException invalid(int position, FirewallRule rule, String why) {
        return new FirewallException("firewall: rule #" + position + (rule == null ? "" : " " + rule) + ": " + why
                + "; nothing was applied");
    }
}
