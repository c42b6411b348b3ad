package dev.plexd.firewall;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NftKernelTest {

    /** Trimmed from {@code nft -j list table inet plexd} (nftables 1.0.6), plus someone else's chain and counter. */
    private static final String LISTING = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
             {"table": {"family": "inet", "name": "plexd", "handle": 1}},
             {"set": {"family": "inet", "name": "plexd-mesh-0-allow-ip-src-dst-proto-port", "table": "plexd",
                      "type": ["ipv4_addr", "ipv4_addr", "inet_proto", "inet_service"], "handle": 3,
                      "elem": [{"concat": ["10.100.0.5", "10.100.0.1", "tcp", 22]}, {"concat": ["10.100.0.6", "10.100.0.1", 17, 53]}]}},
             {"set": {"family": "inet", "name": "plexd-mesh-0-allow-ip6-src", "table": "plexd", "type": "ipv6_addr", "handle": 5,
                      "elem": ["fd00::5", {"elem": {"val": "fd00:0:0:0:0:0:0:6", "comment": "x"}}]}},
             {"set": {"family": "inet", "name": "plexd-mesh-1-deny-inet-proto", "table": "plexd", "type": "inet_proto", "handle": 6}},
             {"chain": {"family": "inet", "table": "plexd", "name": "plexd-mesh", "handle": 1}},
             {"chain": {"family": "inet", "table": "plexd", "name": "plexd-mesh-input", "handle": 2, "type": "filter",
                        "hook": "input", "prio": 0, "policy": "accept"}},
             {"chain": {"family": "inet", "table": "plexd", "name": "someone-else", "handle": 9}},
             {"counter": {"family": "inet", "table": "plexd", "name": "c", "handle": 10, "packets": 0, "bytes": 0}},
             {"rule": {"family": "inet", "table": "plexd", "chain": "plexd-mesh", "handle": 7,
                       "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "invalid"}}, {"drop": null}]}},
             {"rule": {"family": "inet", "table": "plexd", "chain": "plexd-mesh-input", "handle": 8,
                       "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "pxf0"}},
                                {"jump": {"target": "plexd-mesh"}}]}}]}
            """;

    @Test
    void readsChainsHooksSetsAndCanonicalElements() throws Exception {
        NftKernel kernel = NftKernel.parse(LISTING);
        assertThat(kernel.exists()).isTrue();
        assertThat(kernel.otherObjects()).isEqualTo(1);
        assertThat(kernel.chains().get("plexd-mesh-input").hook()).isEqualTo(NftState.Hook.filter("input"));
        assertThat(kernel.chains().get("plexd-mesh").hook()).isNull();
        assertThat(kernel.chains().get("plexd-mesh").expressions()).hasSize(1);
        NftState.NftSet pairs = kernel.sets().get("plexd-mesh-0-allow-ip-src-dst-proto-port");
        assertThat(pairs.type()).isEqualTo("ipv4_addr . ipv4_addr . inet_proto . inet_service");
        assertThat(pairs.elements()).containsExactlyInAnyOrder("10.100.0.5 . 10.100.0.1 . tcp . 22", "10.100.0.6 . 10.100.0.1 . udp . 53");
        assertThat(kernel.sets().get("plexd-mesh-0-allow-ip6-src").elements()).containsExactlyInAnyOrder("fd00::5", "fd00::6");
        assertThat(kernel.sets().get("plexd-mesh-1-deny-inet-proto").elements()).isEmpty();
    }

    @Test
    void ownedObjectsAreTheChainsAndSetsOfThePolicyChainOnly() throws Exception {
        NftKernel kernel = NftKernel.parse(LISTING);
        NftState owned = kernel.owned("plexd-mesh", NftState.EMPTY, Map.of());
        assertThat(owned.chains().keySet()).containsExactlyInAnyOrder("plexd-mesh", "plexd-mesh-input");
        assertThat(owned.sets()).hasSize(3);
        assertThat(owned.chains().values()).allMatch(chain -> chain.rules() == null);
        assertThat(kernel.holdsOthersThan("plexd-mesh")).isTrue();
        assertThat(kernel.owned("other", NftState.EMPTY, Map.of()).isEmpty()).isTrue();
    }

    @Test
    void aChainIsKnownOnlyWhileItsExpressionsAreThoseReadBackAfterWritingIt() throws Exception {
        NftKernel kernel = NftKernel.parse(LISTING);
        List<JsonNode> input = List.copyOf(kernel.chains().get("plexd-mesh-input").expressions());
        NftState applied = new NftState(Map.of(
                "plexd-mesh-input", new NftState.Chain("plexd-mesh-input", NftState.Hook.filter("input"), List.of("iifname \"pxf0\" jump plexd-mesh")),
                "plexd-mesh", new NftState.Chain("plexd-mesh", null, List.of("ct state invalid drop", "drop"))), Map.of());
        NftState owned = kernel.owned("plexd-mesh", applied, Map.of("plexd-mesh-input", input, "plexd-mesh", List.of()));
        assertThat(owned.chains().get("plexd-mesh-input").rules()).containsExactly("iifname \"pxf0\" jump plexd-mesh");
        assertThat(owned.chains().get("plexd-mesh").rules()).as("the kernel's chain differs from what was written").isNull();
    }

    @Test
    void rejectsOutputThatIsNotAListing() {
        assertThatThrownBy(() -> NftKernel.parse("{\"x\": 1}")).hasMessageContaining("nftables");
    }
}
