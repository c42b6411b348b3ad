package dev.plexd.firewall;

import dev.plexd.firewall.Address.Family;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the nftables objects that enforce a rule list for one policy chain {@code C}:
 *
 * <ul>
 *   <li>base chains {@code C-input}, {@code C-output}, {@code C-forward} (priority filter, policy
 *       accept) that jump to {@code C} for traffic in or out of the mesh interface, so traffic to,
 *       from and through the node is filtered and nothing else is touched;</li>
 *   <li>{@code C}: replies of allowed flows ({@code ct state established,related}) accepted,
 *       {@code ct state invalid} dropped, IPv6 neighbour discovery accepted (without it IPv6
 *       stops working on the link), then one lookup per set of each {@link Layering layer}, then
 *       drop;</li>
 *   <li>one set per layer and match shape, whose elements are the rules: e.g. every
 *       "allow 10.100.0.7 → 10.100.0.1 tcp 22" of layer 0 is the element
 *       {@code 10.100.0.7 . 10.100.0.1 . tcp . 22} of {@code C-0-allow-ip-src-dst-proto-port}.</li>
 * </ul>
 *
 * Rules with a network prefix (rare: the PolicyEngine writes peer addresses and the wildcard) and
 * unconditional rules become plain rules of their layer. Changing a peer's policy thus changes set
 * elements, and the chains change only when a layer or shape appears or disappears.
 */
final class NftRuleset {

    static final List<String> PRELUDE = List.of(
            "ct state established,related accept",
            "ct state invalid drop",
            "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"
                    + " ip6 hoplimit 255 accept");

    private NftRuleset() {
    }

    /**
     * @param iface the mesh interface, or null when not known yet (nothing jumps to the chain then)
     */
    static NftState build(String chain, String iface, List<CompiledRule> rules) {
        return build(chain, iface, rules.stream().map(Form::of).toList(), Layering.assign(rules));
    }

    /**
     * The state for rules already turned into {@link Form}s and {@link Layering layered}, index for
     * index; lets a caller reuse the forms of rules it has seen before.
     */
    static NftState build(String chain, String iface, List<Form> forms, int[] layers) {
        TreeMap<Integer, Layer> byLayer = new TreeMap<>();
        for (int i = 0; i < forms.size(); i++) {
            Form form = forms.get(i);
            Layer layer = byLayer.computeIfAbsent(layers[i], k -> new Layer());
            if (form.plain() != null) {
                layer.plain.add(form.plain());
            } else {
                layer.sets(form.allow()).computeIfAbsent(form.shape(), k -> new HashSet<>()).add(form.element());
            }
        }

        Map<String, NftState.NftSet> sets = new LinkedHashMap<>();
        List<String> policy = new ArrayList<>(PRELUDE);
        for (Map.Entry<Integer, Layer> layer : byLayer.entrySet()) {
            // A layer's sets in name order, so the same rules always give the same script.
            TreeMap<String, NftState.NftSet> layerSets = new TreeMap<>();
            TreeMap<String, String> lookups = new TreeMap<>();
            for (boolean allow : new boolean[] {true, false}) {
                layer.getValue().sets(allow).forEach((shape, elements) -> {
                    String name = setName(chain, layer.getKey(), allow, shape);
                    layerSets.put(name, new NftState.NftSet(name, shape.type, elements));
                    lookups.put(name, shape.key + " @" + name + " " + verdict(allow));
                });
            }
            sets.putAll(layerSets);
            policy.addAll(lookups.values());
            policy.addAll(layer.getValue().plain);
        }
        policy.add("drop");

        Map<String, NftState.Chain> chains = new LinkedHashMap<>();
        chains.put(chain, new NftState.Chain(chain, null, policy));
        if (iface != null) {
            String in = "iifname \"" + iface + "\" jump " + chain;
            String out = "oifname \"" + iface + "\" jump " + chain;
            for (String hook : NftNames.HOOKS) {
                List<String> jumps = switch (hook) {
                    case "input" -> List.of(in);
                    case "output" -> List.of(out);
                    default -> List.of(in, out);
                };
                String name = NftNames.baseChain(chain, hook);
                chains.put(name, new NftState.Chain(name, NftState.Hook.filter(hook), jumps));
            }
        }
        return new NftState(chains, sets);
    }

    /** The set a rule of this (set, not plain) form goes into at {@code layer}. */
    static String setName(String chain, int layer, Form form) {
        return setName(chain, layer, form.allow(), form.shape());
    }

    private static String setName(String chain, int layer, boolean allow, Shape shape) {
        return NftNames.set(chain, layer, allow, shape.family, shape.dimensions);
    }

    /**
     * What a rule contributes whatever its layer: an element of a set of its shape, or (rules with
     * a prefix, unconditional rules) a plain rule.
     *
     * @param shape   null for a plain rule
     * @param element null for a plain rule
     * @param plain   the rule text, or null for a set element
     */
    record Form(boolean allow, Shape shape, String element, String plain) {
        static Form of(CompiledRule rule) {
            boolean unconditional = rule.src() instanceof Address.Any && rule.dst() instanceof Address.Any
                    && rule.protocol().isEmpty();
            if (unconditional || rule.hasPrefix()) {
                return new Form(rule.allow(), null, null, plainRule(rule));
            }
            return new Form(rule.allow(), Shape.of(rule), NftRuleset.element(rule), null);
        }
    }

    /** The canonical element text of a set rule, as {@link NftKernel} reads it back. */
    static String element(CompiledRule rule) {
        StringBuilder out = new StringBuilder();
        if (rule.src() instanceof Address.Host host) {
            out.append(Address.format(host.address()));
        }
        if (rule.dst() instanceof Address.Host host) {
            separate(out).append(Address.format(host.address()));
        }
        if (!rule.protocol().isEmpty()) {
            separate(out).append(rule.protocol());
        }
        if (rule.port() > 0) {
            separate(out).append(rule.port());
        }
        return out.toString();
    }

    private static StringBuilder separate(StringBuilder out) {
        return out.isEmpty() ? out : out.append(" . ");
    }

    private static String plainRule(CompiledRule rule) {
        String family = rule.family() == Family.V6 ? "ip6" : "ip";
        List<String> parts = new ArrayList<>();
        if (!(rule.src() instanceof Address.Any)) {
            parts.add(family + " saddr " + rule.src());
        }
        if (!(rule.dst() instanceof Address.Any)) {
            parts.add(family + " daddr " + rule.dst());
        }
        if (rule.port() > 0) {
            parts.add(rule.protocol() + " dport " + rule.port());
        } else if (!rule.protocol().isEmpty()) {
            parts.add("meta l4proto " + rule.protocol());
        }
        parts.add(verdict(rule.allow()));
        return String.join(" ", parts);
    }

    private static String verdict(boolean allow) {
        return allow ? "accept" : "drop";
    }

    private static final class Layer {
        final Map<Shape, Set<String>> allowSets = new HashMap<>();
        final Map<Shape, Set<String>> denySets = new HashMap<>();
        final Set<String> plain = new LinkedHashSet<>();

        Map<Shape, Set<String>> sets(boolean allow) {
            return allow ? allowSets : denySets;
        }
    }

    /** What a set's key is made of: which ends are hosts, and whether protocol and port are matched. */
    record Shape(String family, String dimensions, String key, String type) {
        static Shape of(CompiledRule rule) {
            String family = switch (rule.family()) {
                case V4 -> "ip";
                case V6 -> "ip6";
                case ANY -> "inet";
            };
            String addressType = rule.family() == Family.V6 ? "ipv6_addr" : "ipv4_addr";
            StringBuilder dimensions = new StringBuilder();
            List<String> key = new ArrayList<>();
            List<String> type = new ArrayList<>();
            if (rule.src() instanceof Address.Host) {
                dimensions.append("-src");
                key.add(family + " saddr");
                type.add(addressType);
            }
            if (rule.dst() instanceof Address.Host) {
                dimensions.append("-dst");
                key.add(family + " daddr");
                type.add(addressType);
            }
            if (!rule.protocol().isEmpty()) {
                dimensions.append("-proto");
                key.add("meta l4proto");
                type.add("inet_proto");
            }
            if (rule.port() > 0) {
                dimensions.append("-port");
                key.add("th dport");
                type.add("inet_service");
            }
            return new Shape(family, dimensions.toString(), String.join(" . ", key), String.join(" . ", type));
        }
    }
}
