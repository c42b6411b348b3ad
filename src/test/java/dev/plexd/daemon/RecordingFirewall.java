package dev.plexd.daemon;

import dev.plexd.policy.FirewallController;
import dev.plexd.policy.FirewallRule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Test double of a firewall backend: keeps the applied rule lists and lifecycle calls. */
public final class RecordingFirewall implements FirewallController {

    public final List<List<FirewallRule>> applied = Collections.synchronizedList(new ArrayList<>());
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void ensureChain(String chain) {
        calls.add("ensure " + chain);
    }

    @Override
    public void applyRules(String chain, List<FirewallRule> rules) {
        calls.add("apply " + chain + " " + rules.size());
        applied.add(List.copyOf(rules));
    }

    @Override
    public void flushChain(String chain) {
        calls.add("flush " + chain);
    }

    @Override
    public void deleteChain(String chain) {
        calls.add("delete " + chain);
    }

    public List<FirewallRule> last() {
        return applied.getLast();
    }
}
