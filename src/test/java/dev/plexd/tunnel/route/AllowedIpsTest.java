package dev.plexd.tunnel.route;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AllowedIpsTest {

    private final AllowedIps<String> table = new AllowedIps<>();

    private String v4(String ip) throws Exception {
        byte[] a = InetAddress.getByName(ip).getAddress();
        return table.lookupV4(IpPackets.getIntBE(a, 0));
    }

    private String v6(String ip) throws Exception {
        byte[] a = InetAddress.getByName(ip).getAddress();
        return table.lookupV6(IpPackets.getLongBE(a, 0), IpPackets.getLongBE(a, 8));
    }

    @Test
    void longestPrefixWinsForIpv4() throws Exception {
        table.insert(Prefix.parse("10.0.0.0/8"), "wide");
        table.insert(Prefix.parse("10.100.0.0/16"), "mesh");
        table.insert(Prefix.parse("10.100.0.7/32"), "host");
        assertThat(v4("10.1.2.3")).isEqualTo("wide");
        assertThat(v4("10.100.9.9")).isEqualTo("mesh");
        assertThat(v4("10.100.0.7")).isEqualTo("host");
        assertThat(v4("10.100.0.6")).isEqualTo("mesh");
        assertThat(v4("11.0.0.1")).isNull();
    }

    @Test
    void defaultRouteMatchesEverythingOfItsFamilyOnly() throws Exception {
        table.insert(Prefix.parse("0.0.0.0/0"), "all4");
        assertThat(v4("203.0.113.9")).isEqualTo("all4");
        assertThat(v6("fd00::1")).isNull();
        table.insert(Prefix.parse("::/0"), "all6");
        assertThat(v6("2001:db8::1")).isEqualTo("all6");
    }

    @Test
    void longestPrefixWinsForIpv6() throws Exception {
        table.insert(Prefix.parse("fd00::/8"), "ula");
        table.insert(Prefix.parse("fd00:1:2:3::/64"), "net");
        table.insert(Prefix.parse("fd00:1:2:3:4:5:6:7/128"), "host");
        assertThat(v6("fd12::1")).isEqualTo("ula");
        assertThat(v6("fd00:1:2:3::9")).isEqualTo("net");
        assertThat(v6("fd00:1:2:3:4:5:6:7")).isEqualTo("host");
        assertThat(v6("fd00:1:2:3:4:5:6:8")).isEqualTo("net");
        assertThat(v6("fe80::1")).isNull();
    }

    @Test
    void hostBitsAreClearedAndPrintedCanonically() {
        assertThat(Prefix.parse("10.0.0.7/24")).hasToString("10.0.0.0/24").isEqualTo(Prefix.parse("10.0.0.0/24"));
        assertThat(Prefix.parse("fd00:0:0:0:1::5/64")).hasToString("fd00::/64");
        assertThat(Prefix.parse("fd00::1")).hasToString("fd00::1/128");
        assertThat(Prefix.parse("0.0.0.0/0")).hasToString("0.0.0.0/0");
        assertThat(Prefix.parse("2001:db8:0:0:1:0:0:1/128")).hasToString("2001:db8::1:0:0:1/128");
    }

    @Test
    void aPrefixMovesToTheLastPeerThatClaimsIt() throws Exception {
        table.insert(Prefix.parse("10.100.0.2/32"), "a");
        table.insert(Prefix.parse("10.100.0.2/32"), "b");
        assertThat(v4("10.100.0.2")).isEqualTo("b");
        assertThat(table.prefixesOf("a")).isEmpty();
    }

    @Test
    void removingAndReplacingAPeersPrefixes() throws Exception {
        table.insert(Prefix.parse("10.100.0.2/32"), "a");
        table.insert(Prefix.parse("10.100.1.0/24"), "a");
        table.insert(Prefix.parse("10.100.0.3/32"), "b");
        table.replacePeer("a", List.of(Prefix.parse("10.100.2.0/24")));
        assertThat(v4("10.100.0.2")).isNull();
        assertThat(v4("10.100.2.9")).isEqualTo("a");
        assertThat(table.prefixesOf("a")).containsExactly(Prefix.parse("10.100.2.0/24"));
        table.removePeer("a");
        assertThat(v4("10.100.2.9")).isNull();
        assertThat(v4("10.100.0.3")).isEqualTo("b");
    }

    @Test
    void packetLookupUsesSourceOrDestination() {
        table.insert(Prefix.parse("10.100.0.1/32"), "src");
        table.insert(Prefix.parse("10.100.0.2/32"), "dst");
        byte[] packet = new byte[30];
        packet[4] = 0x45; // IPv4 at offset 4
        packet[4 + 12] = 10; packet[4 + 13] = 100; packet[4 + 15] = 1;
        packet[4 + 16] = 10; packet[4 + 17] = 100; packet[4 + 19] = 2;
        assertThat(table.lookup(packet, 4, 20, true)).isEqualTo("src");
        assertThat(table.lookup(packet, 4, 20, false)).isEqualTo("dst");
        assertThat(table.lookup(packet, 4, 19, true)).as("truncated").isNull();
        packet[4] = 0x55;
        assertThat(table.lookup(packet, 4, 20, true)).as("not IP").isNull();
    }

    @Test
    void declaredLengthValidatesHeaders() {
        byte[] v4 = new byte[60];
        v4[0] = 0x45;
        IpPackets.putShortBE(v4, 2, 48);
        assertThat(IpPackets.declaredLength(v4, 0, 60)).as("padding after the packet is cut").isEqualTo(48);
        assertThat(IpPackets.declaredLength(v4, 0, 40)).as("longer than received").isEqualTo(-1);
        IpPackets.putShortBE(v4, 2, 10);
        assertThat(IpPackets.declaredLength(v4, 0, 60)).as("shorter than its header").isEqualTo(-1);
        byte[] v6 = new byte[64];
        v6[0] = 0x60;
        IpPackets.putShortBE(v6, 4, 8);
        assertThat(IpPackets.declaredLength(v6, 0, 64)).isEqualTo(48);
        assertThat(IpPackets.declaredLength(new byte[]{0x10}, 0, 1)).isEqualTo(-1);
    }
}
