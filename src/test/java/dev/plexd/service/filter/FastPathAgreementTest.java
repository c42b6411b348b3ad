package dev.plexd.service.filter;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.policy.ServicesDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static dev.plexd.service.filter.Packets.TCP;
import static dev.plexd.service.filter.Packets.UDP;
import static dev.plexd.service.filter.Packets.ipv4;
import static dev.plexd.service.filter.Packets.ipv6;
import static dev.plexd.service.filter.Packets.l4;

/**
 * The decision parses the common header shapes inline and leaves every other one to
 * {@link IpHeaders#walk} ({@link CompiledPolicy#decide}). This checks the two never disagree: common
 * packets with their header fields set to random values (version and header length, lengths longer
 * and shorter than the buffer, fragment offsets, protocols, truncated buffers) must get exactly
 * the outcome the general walk's classification gives. Seeded: a failure names its seed.
 */
class FastPathAgreementTest {

    private static final int SLOT = 0;
    private static final int[] PROTOCOLS = {TCP, UDP, 1, 58, 0, 43, 44, 60, 47, 255};

    @TempDir
    Path configDir;

    @Test
    void everyMutatedHeaderGetsTheGeneralWalksOutcome() throws Exception {
        ServiceFilter filter = new ServiceFilter();
        filter.install(new ServicesDir(configDir).defaultAction("deny")
                .global("allow tcp 1000-1999\nallow udp 3000-3999\n").load(), PeerDirectory.EMPTY);
        filter.bindSlot(SLOT, ServiceFilterTest.key(1));
        for (long seed = 1; seed <= 20_000; seed++) {
            Random random = new Random(seed);
            int protocol = random.nextBoolean() ? TCP : UDP;
            int port = random.nextInt(5_000);
            byte[] transport = l4(protocol, port, random.nextInt(24), random.nextInt(256));
            boolean v4 = random.nextBoolean();
            byte[] packet = v4 ? ipv4(protocol, 0, 0, false, transport) : ipv6(protocol, transport);
            int length = mutate(random, packet, v4);
            int offset = random.nextInt(3);
            byte[] buffer = new byte[offset + packet.length + random.nextInt(3)];
            System.arraycopy(packet, 0, buffer, offset, packet.length);

            String expected = byWalk(buffer, offset, length);
            String actual = Outcomes.judge(filter, SLOT, buffer, offset, length);
            if (!actual.equals(expected)) {
                throw new AssertionError("seed " + seed + ": " + PacketSummary.describe(Arrays.copyOfRange(buffer, offset, offset + length))
                        + " (length " + length + ") was " + actual + ", the general walk says " + expected);
            }
        }
    }

    /** Sets up to three header fields to random values; returns the length to judge (maybe truncated). */
    private static int mutate(Random random, byte[] packet, boolean v4) {
        int length = packet.length;
        for (int i = random.nextInt(4); i > 0; i--) {
            switch (random.nextInt(6)) {
                case 0 -> packet[0] = (byte) (random.nextBoolean() ? random.nextInt(256) : (v4 ? 0x40 : 0x60) | random.nextInt(16));
                case 1 -> { // IPv4 total length, IPv6 payload length: near the real one or anything
                    int field = v4 ? 2 : 4;
                    int real = (packet[field] & 0xff) << 8 | packet[field + 1] & 0xff;
                    int value = random.nextBoolean() ? real + random.nextInt(41) - 20 : random.nextInt(65_536);
                    packet[field] = (byte) (value >>> 8);
                    packet[field + 1] = (byte) value;
                }
                case 2 -> packet[v4 ? 9 : 6] = (byte) PROTOCOLS[random.nextInt(PROTOCOLS.length)];
                case 3 -> { // IPv4 flags and fragment offset: flags alone, one offset bit, or anything
                    int flags = random.nextInt(8) << 13;
                    int value = switch (random.nextInt(3)) {
                        case 0 -> flags;
                        case 1 -> flags | 1 << random.nextInt(13);
                        default -> random.nextInt(65_536);
                    };
                    if (v4) {
                        packet[6] = (byte) (value >>> 8);
                        packet[7] = (byte) value;
                    }
                }
                case 4 -> length = random.nextInt(packet.length + 1);
                default -> packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
            }
        }
        return length;
    }

    /** The outcome {@link IpHeaders#walk}'s classification gives under the test's policy (default deny). */
    private static String byWalk(byte[] buffer, int offset, int length) {
        long headers = IpHeaders.walk(buffer, offset, length);
        int protocol = IpHeaders.protocol(headers);
        return switch (IpHeaders.kind(headers)) {
            case IpHeaders.TRANSPORT -> {
                int l4 = IpHeaders.transport(headers);
                if (protocol == TCP && (buffer[l4 + IpHeaders.TCP_FLAGS] & (Packets.ACK | Packets.RST)) != 0) {
                    yield Outcomes.ALLOWED;
                }
                int port = IpHeaders.u16(buffer, l4 + 2);
                boolean allowed = protocol == TCP ? port >= 1000 && port <= 1999 : port >= 3000 && port <= 3999;
                yield allowed ? Outcomes.ALLOWED : DropReason.POLICY.name();
            }
            case IpHeaders.ICMP -> Outcomes.ALLOWED;
            case IpHeaders.LATER_FRAGMENT -> protocol == TCP || protocol == UDP ? DropReason.FRAGMENT.name() : DropReason.UNCLASSIFIED.name();
            case IpHeaders.MALFORMED -> DropReason.MALFORMED.name();
            default -> DropReason.UNCLASSIFIED.name();
        };
    }
}
