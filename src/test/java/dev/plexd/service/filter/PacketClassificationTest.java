package dev.plexd.service.filter;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.PolicySet;
import dev.plexd.service.policy.ServicesDir;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

import static dev.plexd.service.filter.Packets.DESTINATION_OPTIONS;
import static dev.plexd.service.filter.Packets.FRAGMENT;
import static dev.plexd.service.filter.Packets.HOP_BY_HOP;
import static dev.plexd.service.filter.Packets.ICMP;
import static dev.plexd.service.filter.Packets.ICMPV6;
import static dev.plexd.service.filter.Packets.ROUTING;
import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.concat;
import static dev.plexd.service.filter.Packets.extension;
import static dev.plexd.service.filter.Packets.fragmentHeader;
import static dev.plexd.service.filter.Packets.ipv4;
import static dev.plexd.service.filter.Packets.ipv6;
import static dev.plexd.service.filter.Packets.l4;
import static org.assertj.core.api.Assertions.assertThat;

/** Classification of hand-built packets, under a default-deny policy allowing TCP 22 and UDP 53. */
class PacketClassificationTest {

    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    static final int SLOT = 3;

    @TempDir
    Path configDir;

    private final ServiceFilter filter = new ServiceFilter();

    @BeforeEach
    void policy() throws Exception {
        PolicySet set = new ServicesDir(configDir).defaultAction("deny").global("allow tcp 22\nallow udp 53\n").load();
        filter.install(set, PeerDirectory.EMPTY);
        filter.bindSlot(SLOT, KEY);
    }

    private boolean allows(byte[] packet) {
        return filter.allowInbound(SLOT, packet, 0, packet.length);
    }

    private DropReason dropReason(byte[] packet) {
        String outcome = Outcomes.judge(filter, SLOT, packet, 0, packet.length);
        assertThat(outcome).as("dropped").isNotEqualTo(Outcomes.ALLOWED);
        return Arrays.stream(DropReason.values()).filter(reason -> reason.name().equals(outcome)).findFirst()
                .orElseThrow(() -> new AssertionError(outcome));
    }

    @Test
    void ipv4TcpAndUdpByDestinationPort() {
        assertThat(allows(ipv4(TCP, 22))).isTrue();
        assertThat(allows(ipv4(UDP, 53))).isTrue();
        assertThat(dropReason(ipv4(TCP, 23))).isEqualTo(DropReason.POLICY);
        assertThat(dropReason(ipv4(UDP, 22))).isEqualTo(DropReason.POLICY);
        assertThat(dropReason(ipv4(TCP, 53))).isEqualTo(DropReason.POLICY);
    }

    /** Scans Linux answers on a closed port but not on a listening one: each is judged by its port. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"SYN, 0x02", "FIN, 0x01", "NULL, 0x00", "XMAS (FIN+PSH+URG), 0x29", "SYN+FIN, 0x03", "SYN+PSH, 0x0a",
            "everything but ACK and RST, 0xeb"})
    void aTcpSegmentWithNeitherAckNorRstIsJudgedByItsPort(String name, String flags) {
        int bits = Integer.decode(flags);
        assertThat(dropReason(ipv4(TCP, 0, 0, false, l4(TCP, 23, 0, bits)))).as("IPv4 to a denied port").isEqualTo(DropReason.POLICY);
        assertThat(dropReason(ipv6(TCP, l4(TCP, 41000, 0, bits)))).as("IPv6 to a denied port").isEqualTo(DropReason.POLICY);
        assertThat(allows(ipv4(TCP, 0, 0, false, l4(TCP, 22, 0, bits)))).as("IPv4 to an allowed port").isTrue();
        assertThat(allows(ipv6(TCP, l4(TCP, 22, 0, bits)))).as("IPv6 to an allowed port").isTrue();
    }

    /** The stack answers these (or ignores them) the same whether or not the port listens: they reveal nothing. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"ACK, 0x10", "SYN+ACK, 0x12", "RST, 0x04", "RST+ACK, 0x14", "FIN+ACK, 0x11", "PSH+ACK, 0x18", "SYN+RST, 0x06",
            "every flag, 0xff"})
    void aTcpSegmentWithAckOrRstPassesWithoutAPortCheck(String name, String flags) {
        int bits = Integer.decode(flags);
        assertThat(allows(ipv4(TCP, 0, 0, false, l4(TCP, 23, 0, bits)))).as("IPv4 to a denied port").isTrue();
        assertThat(allows(ipv6(TCP, l4(TCP, 41000, 0, bits)))).as("IPv6 to a denied port").isTrue();
        assertThat(filter.allowed(SLOT)).isEqualTo(2);
    }

    @Test
    void udpHasNoConnectionToBelongTo() {
        assertThat(dropReason(ipv4(UDP, 0, 0, false, l4(UDP, 41000, 0)))).isEqualTo(DropReason.POLICY);
    }

    @Test
    void aTcpHeaderTooShortToHoldTheFlagsIsMalformed() {
        byte[] truncated = Arrays.copyOf(l4(TCP, 22, 0), 13);
        assertThat(dropReason(ipv4(TCP, 0, 0, false, truncated))).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void ipv4WithOptionsReadsThePortAfterTheOptions() {
        assertThat(allows(ipv4(TCP, 40, 0, false, l4(TCP, 22, 0)))).isTrue(); // IHL 15, the maximum
        assertThat(allows(ipv4(TCP, 4, 0, false, l4(TCP, 22, 10)))).isTrue();
        assertThat(dropReason(ipv4(TCP, 8, 0, false, l4(TCP, 80, 0)))).isEqualTo(DropReason.POLICY);
    }

    @Test
    void icmpPassesWhateverThePolicy() {
        assertThat(allows(ipv4(ICMP, 0, 0, false, new byte[8]))).isTrue();
        assertThat(allows(ipv6(ICMPV6, new byte[8]))).isTrue();
        assertThat(allows(ipv4(ICMP, 0, 100, false, new byte[8]))).as("later fragment of ICMP").isTrue();
    }

    @Test
    void truncatedAndInconsistentIpv4HeadersAreMalformed() {
        byte[] packet = ipv4(TCP, 22);
        assertThat(dropReason(Arrays.copyOf(packet, 19))).isEqualTo(DropReason.MALFORMED);
        byte[] shortIhl = packet.clone();
        shortIhl[0] = 0x44; // IHL 4 < 5
        assertThat(dropReason(shortIhl)).isEqualTo(DropReason.MALFORMED);
        byte[] longerThanGiven = packet.clone();
        longerThanGiven[3] = (byte) (packet.length + 1);
        assertThat(dropReason(longerThanGiven)).isEqualTo(DropReason.MALFORMED);
        byte[] totalBelowHeader = packet.clone();
        totalBelowHeader[2] = 0;
        totalBelowHeader[3] = 16;
        assertThat(dropReason(totalBelowHeader)).isEqualTo(DropReason.MALFORMED);
        byte[] ihlBeyondPacket = ipv4(UDP, 0, 0, false, new byte[2]);
        ihlBeyondPacket[0] = 0x4f; // 60-byte header in a 22-byte packet
        assertThat(dropReason(ihlBeyondPacket)).isEqualTo(DropReason.MALFORMED);
        // Transport header cut before the destination port.
        assertThat(dropReason(ipv4(TCP, 0, 0, false, Arrays.copyOf(l4(TCP, 22, 0), 3)))).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void totalLengthShorterThanTheBufferIgnoresTrailingBytes() {
        byte[] packet = concat(ipv4(TCP, 22), new byte[]{1, 2, 3, 4});
        assertThat(allows(packet)).isTrue();
        // The port must be inside the total length, not in the trailer.
        byte[] cut = concat(ipv4(UDP, 0, 0, false, new byte[2]), new byte[]{0, 0, 0, 53});
        assertThat(dropReason(cut)).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void fragmentsFirstCarriesThePortLaterOnesGetTheDefaultUnderAMixedPolicy() {
        assertThat(allows(ipv4(TCP, 0, 0, true, l4(TCP, 22, 100)))).as("first fragment, allowed port").isTrue();
        assertThat(dropReason(ipv4(TCP, 0, 0, true, l4(TCP, 80, 100)))).isEqualTo(DropReason.POLICY);
        assertThat(dropReason(ipv4(TCP, 0, 0, true, new byte[3]))).as("first fragment too short for the port")
                .isEqualTo(DropReason.MALFORMED);
        assertThat(dropReason(ipv4(UDP, 0, 0, true, new byte[2]))).isEqualTo(DropReason.MALFORMED);
        // A later fragment's payload must never be read as a port: this one would look like port 22.
        assertThat(dropReason(ipv4(TCP, 0, 185, false, l4(TCP, 22, 0)))).isEqualTo(DropReason.FRAGMENT);
        assertThat(dropReason(ipv4(UDP, 0, 1, true, l4(UDP, 53, 0)))).isEqualTo(DropReason.FRAGMENT);
    }

    @Test
    void laterFragmentsFollowAUniformProtocolVerdict() throws Exception {
        filter.install(new ServicesDir(configDir).global("allow udp all\nallow tcp 22\n").load(), PeerDirectory.EMPTY);
        assertThat(allows(ipv4(UDP, 0, 185, false, new byte[16]))).as("every UDP port allowed").isTrue();
        assertThat(dropReason(ipv4(TCP, 0, 185, false, new byte[16]))).as("TCP mixed, default deny")
                .isEqualTo(DropReason.FRAGMENT);

        filter.install(new ServicesDir(configDir).defaultAction("allow").global("deny udp all\ndeny tcp 22\n").load(),
                PeerDirectory.EMPTY);
        assertThat(dropReason(ipv4(UDP, 0, 185, false, new byte[16]))).as("every UDP port denied").isEqualTo(DropReason.FRAGMENT);
        assertThat(allows(ipv4(TCP, 0, 185, false, new byte[16]))).as("TCP mixed, default allow").isTrue();
    }

    @Test
    void ipv6TcpAndUdp() {
        assertThat(allows(ipv6(TCP, 22))).isTrue();
        assertThat(allows(ipv6(UDP, 53))).isTrue();
        assertThat(dropReason(ipv6(TCP, 443))).isEqualTo(DropReason.POLICY);
    }

    @Test
    void ipv6ExtensionHeadersAreWalked() {
        byte[] chain = concat(extension(ROUTING, 0), extension(DESTINATION_OPTIONS, 2), extension(TCP, 0), l4(TCP, 22, 0));
        assertThat(allows(ipv6(HOP_BY_HOP, chain))).isTrue();
        byte[] denied = concat(extension(ROUTING, 0), extension(DESTINATION_OPTIONS, 2), extension(TCP, 0), l4(TCP, 23, 0));
        assertThat(dropReason(ipv6(HOP_BY_HOP, denied))).isEqualTo(DropReason.POLICY);
        assertThat(allows(ipv6(DESTINATION_OPTIONS, concat(extension(UDP, 1), l4(UDP, 53, 0))))).isTrue();
        assertThat(allows(ipv6(HOP_BY_HOP, concat(extension(ICMPV6, 0), new byte[8])))).isTrue();
    }

    @Test
    void ipv6Fragments() {
        assertThat(allows(ipv6(FRAGMENT, concat(fragmentHeader(TCP, 0, true), l4(TCP, 22, 50))))).as("first fragment").isTrue();
        assertThat(allows(ipv6(FRAGMENT, concat(fragmentHeader(UDP, 0, false), l4(UDP, 53, 0))))).as("atomic fragment").isTrue();
        assertThat(dropReason(ipv6(FRAGMENT, concat(fragmentHeader(TCP, 0, true), new byte[3]))))
                .as("first fragment without the port").isEqualTo(DropReason.MALFORMED);
        assertThat(dropReason(ipv6(FRAGMENT, concat(fragmentHeader(TCP, 100, false), l4(TCP, 22, 0)))))
                .as("later fragment").isEqualTo(DropReason.FRAGMENT);
        assertThat(allows(ipv6(HOP_BY_HOP, concat(extension(FRAGMENT, 0), fragmentHeader(ICMPV6, 100, false), new byte[8]))))
                .as("later fragment of ICMPv6").isTrue();
        assertThat(dropReason(ipv6(HOP_BY_HOP, concat(extension(FRAGMENT, 0), fragmentHeader(DESTINATION_OPTIONS, 10, true),
                new byte[8])))).as("later fragment, upper protocol unknown").isEqualTo(DropReason.UNCLASSIFIED);
    }

    @Test
    void ipv6TooManyOrTruncatedExtensionHeaders() {
        byte[] chain = new byte[0];
        for (int i = 0; i < 9; i++) {
            chain = concat(chain, extension(DESTINATION_OPTIONS, 0));
        }
        assertThat(dropReason(ipv6(DESTINATION_OPTIONS, concat(chain, l4(TCP, 22, 0))))).isEqualTo(DropReason.UNCLASSIFIED);
        byte[] eight = new byte[0];
        for (int i = 0; i < 7; i++) {
            eight = concat(eight, extension(DESTINATION_OPTIONS, 0));
        }
        eight = concat(eight, extension(TCP, 0));
        assertThat(allows(ipv6(DESTINATION_OPTIONS, concat(eight, l4(TCP, 22, 0))))).as("eight headers are walked").isTrue();
        // A header whose length runs past the payload.
        assertThat(dropReason(ipv6(ROUTING, concat(extension(TCP, 0), new byte[2])))).isEqualTo(DropReason.MALFORMED);
        assertThat(dropReason(ipv6(ROUTING, extension(TCP, 4)))).isEqualTo(DropReason.MALFORMED);
        assertThat(dropReason(ipv6(ROUTING, new byte[1]))).isEqualTo(DropReason.MALFORMED);
        assertThat(dropReason(ipv6(FRAGMENT, new byte[7]))).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void ipv6TruncatedHeaderAndPayloadLength() {
        byte[] packet = ipv6(TCP, 22);
        assertThat(dropReason(Arrays.copyOf(packet, 39))).isEqualTo(DropReason.MALFORMED);
        byte[] longer = packet.clone();
        longer[5] = (byte) (longer[5] + 1);
        assertThat(dropReason(longer)).isEqualTo(DropReason.MALFORMED);
        assertThat(dropReason(ipv6(TCP, new byte[3]))).isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void unclassifiablePacketsGetTheDefault() throws Exception {
        assertThat(dropReason(new byte[0])).as("length 0").isEqualTo(DropReason.UNCLASSIFIED);
        assertThat(dropReason(new byte[]{0x00, 0x11, 0x22})).as("not IP").isEqualTo(DropReason.UNCLASSIFIED);
        assertThat(dropReason(new byte[]{(byte) 0xa5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}))
                .as("IP version 10").isEqualTo(DropReason.UNCLASSIFIED);
        assertThat(dropReason(ipv4(47, 0, 0, false, new byte[20]))).as("GRE").isEqualTo(DropReason.UNCLASSIFIED);
        assertThat(dropReason(ipv6(59, new byte[0]))).as("no next header").isEqualTo(DropReason.UNCLASSIFIED);
        assertThat(dropReason(ipv6(50, new byte[16]))).as("ESP").isEqualTo(DropReason.UNCLASSIFIED);

        filter.install(new ServicesDir(configDir).defaultAction("allow").global("deny tcp 22\n").load(), PeerDirectory.EMPTY);
        assertThat(allows(new byte[0])).isTrue();
        assertThat(allows(new byte[]{0x00, 0x11})).isTrue();
        assertThat(allows(ipv4(47, 0, 0, false, new byte[20]))).isTrue();
        assertThat(dropReason(Arrays.copyOf(ipv4(TCP, 80), 10))).as("malformed is dropped even under allow")
                .isEqualTo(DropReason.MALFORMED);
    }

    @Test
    void offsetsAndBoundsAreHonoured() {
        byte[] packet = ipv4(TCP, 22);
        byte[] framed = concat(new byte[7], packet, new byte[5]);
        assertThat(filter.allowInbound(SLOT, framed, 7, packet.length)).isTrue();
        assertThat(filter.allowInbound(SLOT, framed, 7, framed.length)).as("length past the array").isFalse();
        assertThat(filter.allowInbound(SLOT, framed, -1, 10)).isFalse();
        assertThat(filter.allowInbound(SLOT, framed, 0, -1)).isFalse();
        assertThat(filter.allowInbound(SLOT, null, 0, 20)).as("no packet").isFalse();
        assertThat(filter.dropped(SLOT, DropReason.MALFORMED)).isEqualTo(4);
        assertThat(filter.dropped(SLOT, DropReason.ERROR)).isZero();
    }
}
