package dev.plexd.firewall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Table {@code inet plexd} as the kernel holds it, read from {@code nft -j list table}. Rules are
 * kept as nft's JSON expressions: comparing them with the expressions read back right after plexd
 * wrote a chain tells whether anyone changed the chain since.
 *
 * @param exists whether the table exists at all
 * @param chains by name, every chain of the table (plexd's and anyone else's)
 * @param sets   by name, with elements in the canonical text {@link NftRuleset#element} writes
 *               (empty when read with {@code -t})
 * @param otherObjects objects of other kinds (maps, counters, …): never plexd's
 */
record NftKernel(boolean exists, Map<String, KernelChain> chains, Map<String, NftState.NftSet> sets, int otherObjects) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final NftKernel ABSENT = new NftKernel(false, Map.of(), Map.of(), 0);

    record KernelChain(String name, NftState.Hook hook, List<JsonNode> expressions) {
    }

    /** Parses the output of {@code nft -j [-t] list table inet plexd}. */
    static NftKernel parse(String json) throws IOException {
        JsonNode root = JSON.readTree(json).path("nftables");
        if (!root.isArray()) {
            throw new IOException("nft -j output has no \"nftables\" array");
        }
        Map<String, KernelChain> chains = new LinkedHashMap<>();
        Map<String, List<JsonNode>> rules = new LinkedHashMap<>();
        Map<String, NftState.NftSet> sets = new LinkedHashMap<>();
        boolean table = false;
        int others = 0;
        for (JsonNode item : root) {
            if (item.has("table")) {
                table = true;
            } else if (item.has("chain")) {
                JsonNode c = item.get("chain");
                NftState.Hook hook = c.has("hook")
                        ? new NftState.Hook(c.path("type").asText(), c.path("hook").asText(), c.path("prio").asInt(),
                        c.path("policy").asText())
                        : null;
                chains.put(c.path("name").asText(), new KernelChain(c.path("name").asText(), hook, new ArrayList<>()));
            } else if (item.has("rule")) {
                JsonNode r = item.get("rule");
                rules.computeIfAbsent(r.path("chain").asText(), k -> new ArrayList<>()).add(r.path("expr"));
            } else if (item.has("set")) {
                NftState.NftSet set = set(item.get("set"));
                sets.put(set.name(), set);
            } else if (!item.has("metainfo")) {
                others++;
            }
        }
        rules.forEach((chain, expressions) -> {
            KernelChain c = chains.get(chain);
            if (c != null) {
                c.expressions().addAll(expressions);
            }
        });
        return new NftKernel(table, chains, sets, others);
    }

    private static NftState.NftSet set(JsonNode s) {
        List<String> type = new ArrayList<>();
        if (s.path("type").isArray()) {
            s.path("type").forEach(t -> type.add(t.asText()));
        } else {
            type.add(s.path("type").asText());
        }
        Set<String> elements = new HashSet<>();
        for (JsonNode e : s.path("elem")) {
            JsonNode value = e.has("elem") ? e.get("elem").path("val") : e;
            List<JsonNode> parts = new ArrayList<>();
            if (value.has("concat")) {
                value.get("concat").forEach(parts::add);
            } else {
                parts.add(value);
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                if (i > 0) {
                    text.append(" . ");
                }
                text.append(canonical(i < type.size() ? type.get(i) : "", parts.get(i)));
            }
            elements.add(text.toString());
        }
        return new NftState.NftSet(s.path("name").asText(), String.join(" . ", type), elements);
    }

    /** One key part as {@link NftRuleset#element} writes it. */
    private static String canonical(String type, JsonNode value) {
        String text = value.asText();
        return switch (type) {
            case "ipv4_addr", "ipv6_addr" -> {
                try {
                    yield Address.format(java.net.InetAddress.ofLiteral(text));
                } catch (IllegalArgumentException e) {
                    yield text;
                }
            }
            case "inet_proto" -> switch (text) {
                case "6" -> "tcp";
                case "17" -> "udp";
                default -> text;
            };
            default -> value.isContainerNode() ? value.toString() : text;
        };
    }

    /**
     * The objects {@code chain} owns, as a state to diff against. A chain's rules are taken to be
     * {@code applied}'s only when the kernel's expressions are exactly those read back when plexd
     * wrote it ({@code written}); otherwise they are unknown, which makes the next diff rewrite it.
     */
    NftState owned(String chain, NftState applied, Map<String, List<JsonNode>> written) {
        Map<String, NftState.Chain> ownedChains = new LinkedHashMap<>();
        for (KernelChain c : chains.values()) {
            if (!NftNames.ownedBy(chain, c.name())) {
                continue;
            }
            NftState.Chain ours = applied.chains().get(c.name());
            boolean known = ours != null && c.expressions().equals(written.get(c.name()));
            ownedChains.put(c.name(), new NftState.Chain(c.name(), c.hook(), known ? ours.rules() : null));
        }
        Map<String, NftState.NftSet> ownedSets = new LinkedHashMap<>();
        sets.forEach((name, set) -> {
            if (NftNames.ownedBy(chain, name)) {
                ownedSets.put(name, set);
            }
        });
        return new NftState(ownedChains, ownedSets);
    }

    /** Whether the table holds anything that is not {@code chain}'s. */
    boolean holdsOthersThan(String chain) {
        return otherObjects > 0 || chains.keySet().stream().anyMatch(name -> !NftNames.ownedBy(chain, name))
                || sets.keySet().stream().anyMatch(name -> !NftNames.ownedBy(chain, name));
    }
}
