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

    static Compiled compile(String chain, List<FirewallRule> rules) throws FirewallException {
        String iface = null;
        List<CompiledRule> compiled = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int position = 0;
        for (FirewallRule rule : rules == null ? List.<FirewallRule>of() : rules) {
            position++;
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
            if (iface == null) {
                iface = rule.iface();
            } else if (!iface.equals(rule.iface())) {
                throw invalid(position, rule, "names interface \"" + rule.iface() + "\" but earlier rules name \""
                        + iface + "\"; a chain serves one mesh interface");
            }
            Address src = address(rule.srcIp(), "source", position, rule);
            Address dst = address(rule.dstIp(), "destination", position, rule);
            if (src == null || dst == null) {
                skipped.add("#" + position + " " + rule + ": empty " + (src == null ? "source" : "destination")
                        + " address (unknown peer)");
                continue;
            }
            if (src.family() != Family.ANY && dst.family() != Family.ANY && src.family() != dst.family()) {
                skipped.add("#" + position + " " + rule + ": source and destination are of different IP families");
                continue;
            }
            compiled.add(new CompiledRule(position, rule.isAllow(), src, dst, rule.protocol(), rule.port()));
        }
        if (!skipped.isEmpty()) {
            log.atWarn().addKeyValue("chain", chain).addKeyValue("skipped_rules", skipped.size())
                    .addKeyValue("first_skipped", skipped.getFirst())
                    .log("firewall rules that can match no packet were skipped, not widened");
        }
        return new Compiled(iface, List.copyOf(compiled), skipped.size());
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
