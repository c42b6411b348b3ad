package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.ChaChaPoly;
import dev.plexd.wireguard.X25519;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;

import static dev.plexd.tunnel.noise.Messages.*;
import static org.assertj.core.api.Assertions.assertThat;

class HandshakeTest {

    private final StaticIdentity alice = StaticIdentity.of(X25519.generatePrivateKey());
    private final StaticIdentity bob = StaticIdentity.of(X25519.generatePrivateKey());
    private final Handshake aliceToBob = new Handshake(alice, bob.publicKey());
    private final Handshake bobToAlice = new Handshake(bob, alice.publicKey());
    private final CookieGenerator aliceMacs = new CookieGenerator(bob.publicKey());
    private final CookieChecker bobChecker = new CookieChecker(bob);
    private Instant wall = Instant.parse("2025-01-15T10:30:00Z");
    private long nanos = 1_000_000_000L;

    @Test
    void initialChainKeyAndHashMatchOtherImplementations() {
        // The first bytes of boringtun's INITIAL_CHAIN_KEY and INITIAL_CHAIN_HASH constants.
        assertThat(Arrays.copyOf(Labels.initialChainKey(), 4)).containsExactly(96, 226 - 256, 109, 174 - 256);
        assertThat(Arrays.copyOf(Labels.initialHash(), 4)).containsExactly(34, 17, 179 - 256, 97);
    }

    @Test
    void initiationHasThePapersLayout() throws Exception {
        byte[] init = initiation(0x11223344);
        assertThat(init).hasSize(148);
        assertThat(Arrays.copyOf(init, 4)).containsExactly(1, 0, 0, 0);
        assertThat(getInt(init, INITIATION_SENDER)).isEqualTo(0x11223344);
        assertThat(Arrays.copyOfRange(init, INITIATION_MAC2, 148)).as("no cookie yet: mac2 zero").containsOnly(0);
        assertThat(bobChecker.checkMac1(init, INITIATION_MAC1)).isTrue();
        assertThat(new CookieChecker(alice).checkMac1(init, INITIATION_MAC1)).as("mac1 is keyed to the receiver").isFalse();
        assertThat(aliceToBob.state()).isEqualTo(Handshake.State.INITIATION_CREATED);
    }

    @Test
    void fullHandshakeDerivesMatchingTransportKeys() throws Exception {
        byte[] init = initiation(7);
        Handshake.InitiationStart start = Handshake.beginConsumeInitiation(bob, init);
        assertThat(start).isNotNull();
        assertThat(start.peerPublicKey()).isEqualTo(alice.publicKey());
        assertThat(start.senderIndex()).isEqualTo(7);
        assertThat(bobToAlice.consumeInitiation(start, init, nanos)).isNull();

        byte[] response = bobToAlice.createResponse(9);
        new CookieGenerator(alice.publicKey()).addMacs(response, RESPONSE_MAC1, nanos);
        assertThat(response).hasSize(92);
        assertThat(Arrays.copyOf(response, 4)).containsExactly(2, 0, 0, 0);
        assertThat(getInt(response, RESPONSE_SENDER)).isEqualTo(9);
        assertThat(getInt(response, RESPONSE_RECEIVER)).isEqualTo(7);
        assertThat(new CookieChecker(alice).checkMac1(response, RESPONSE_MAC1)).isTrue();

        assertThat(aliceToBob.consumeResponse(alice, response)).isTrue();
        Handshake.SessionKeys a = aliceToBob.beginSession();
        Handshake.SessionKeys b = bobToAlice.beginSession();
        assertThat(a.initiator()).isTrue();
        assertThat(b.initiator()).isFalse();
        assertThat(a.sendKey()).isEqualTo(b.receiveKey()).isNotEqualTo(a.receiveKey());
        assertThat(a.receiveKey()).isEqualTo(b.sendKey());
        assertThat(a.localIndex()).isEqualTo(7);
        assertThat(a.remoteIndex()).isEqualTo(9);
        assertThat(b.localIndex()).isEqualTo(9);
        assertThat(b.remoteIndex()).isEqualTo(7);
        assertThat(aliceToBob.state()).isEqualTo(Handshake.State.ZEROED);

        Keypair ak = new Keypair(a, nanos);
        Keypair bk = new Keypair(b, nanos);
        byte[] packet = "hello through the tunnel".getBytes();
        byte[] wire = new byte[packet.length + 16];
        long counter = ak.nextSendCounter();
        new ChaChaPoly().seal(ak.sendKey(), counter, null, packet, 0, packet.length, wire, 0);
        byte[] out = new byte[packet.length];
        new ChaChaPoly().open(bk.receiveKey(), counter, null, wire, 0, wire.length, out, 0);
        assertThat(out).isEqualTo(packet);
    }

    @Test
    void replayedInitiationIsRejected() throws Exception {
        byte[] init = initiation(1);
        assertThat(bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, init), init, nanos)).isNull();
        nanos += 1_000_000_000L;
        assertThat(bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, init), init, nanos))
                .isEqualTo(Handshake.Rejection.REPLAYED_TIMESTAMP);
    }

    @Test
    void initiationsFasterThanTheRateLimitAreAFlood() throws Exception {
        byte[] first = initiation(1);
        assertThat(bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, first), first, nanos)).isNull();
        wall = wall.plusSeconds(1);
        byte[] second = initiation(2);
        nanos += 10_000_000L;
        assertThat(bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, second), second, nanos))
                .isEqualTo(Handshake.Rejection.FLOOD);
        nanos += 15_000_000L;
        assertThat(bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, second), second, nanos)).isNull();
    }

    @Test
    void anyTamperedByteOfAnInitiationIsRejected() throws Exception {
        byte[] init = initiation(1);
        for (int i = 0; i < INITIATION_MAC1; i += 5) {
            byte[] bad = init.clone();
            bad[i] ^= 0x20;
            // The device checks mac1 first; it covers the fields the AEADs do not (type, sender index).
            Handshake.InitiationStart start = bobChecker.checkMac1(bad, INITIATION_MAC1) ? Handshake.beginConsumeInitiation(bob, bad) : null;
            boolean accepted = start != null && Arrays.equals(start.peerPublicKey(), alice.publicKey())
                    && new Handshake(bob, alice.publicKey()).consumeInitiation(start, bad, nanos) == null;
            assertThat(accepted).as("byte %d flipped", i).isFalse();
        }
    }

    @Test
    void initiationForSomeoneElseIsNotAuthentic() throws Exception {
        byte[] init = initiation(1);
        assertThat(Handshake.beginConsumeInitiation(StaticIdentity.of(X25519.generatePrivateKey()), init)).isNull();
    }

    @Test
    void mismatchedPresharedKeysFailTheResponse() throws Exception {
        aliceToBob.setPresharedKey(new byte[32]);
        byte[] psk = new byte[32];
        psk[0] = 1;
        bobToAlice.setPresharedKey(psk);
        byte[] init = initiation(3);
        assertThat(bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, init), init, nanos)).isNull();
        byte[] response = bobToAlice.createResponse(4);
        assertThat(aliceToBob.consumeResponse(alice, response)).isFalse();
        assertThat(aliceToBob.state()).as("unchanged").isEqualTo(Handshake.State.INITIATION_CREATED);
    }

    @Test
    void matchingPresharedKeysComplete() throws Exception {
        byte[] psk = X25519.generatePrivateKey();
        aliceToBob.setPresharedKey(psk);
        bobToAlice.setPresharedKey(psk);
        byte[] init = initiation(3);
        bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, init), init, nanos);
        assertThat(aliceToBob.consumeResponse(alice, bobToAlice.createResponse(4))).isTrue();
    }

    @Test
    void responseToAnotherIndexOrInTheWrongStateIsIgnored() throws Exception {
        assertThat(bobToAlice.createResponse(4)).as("no initiation consumed").isNull();
        byte[] init = initiation(3);
        bobToAlice.consumeInitiation(Handshake.beginConsumeInitiation(bob, init), init, nanos);
        byte[] response = bobToAlice.createResponse(4);
        byte[] wrongReceiver = response.clone();
        putInt(wrongReceiver, RESPONSE_RECEIVER, 99);
        assertThat(aliceToBob.consumeResponse(alice, wrongReceiver)).isFalse();
        assertThat(aliceToBob.consumeResponse(alice, response)).isTrue();
        assertThat(aliceToBob.consumeResponse(alice, response)).as("already consumed").isFalse();
    }

    @Test
    void cookieReplyMakesTheNextInitiationCarryAValidMac2() throws Exception {
        byte[] source = {(byte) 192, 0, 2, 1, 0x51, (byte) 0xca};
        byte[] init = initiation(5);
        assertThat(bobChecker.checkMac2(init, INITIATION_MAC1, source, nanos)).isFalse();
        byte[] reply = bobChecker.createReply(init, INITIATION_MAC1, 5, source, nanos);
        assertThat(reply).hasSize(64);
        assertThat(Arrays.copyOf(reply, 4)).containsExactly(3, 0, 0, 0);
        assertThat(getInt(reply, COOKIE_REPLY_RECEIVER)).isEqualTo(5);

        byte[] forged = reply.clone();
        forged[40] ^= 1;
        assertThat(aliceMacs.consumeReply(forged, nanos)).isFalse();
        assertThat(aliceMacs.consumeReply(reply, nanos)).isTrue();

        wall = wall.plusSeconds(1);
        byte[] next = initiation(6);
        assertThat(Arrays.copyOfRange(next, INITIATION_MAC2, 148)).isNotEqualTo(new byte[16]);
        assertThat(bobChecker.checkMac2(next, INITIATION_MAC1, source, nanos)).isTrue();
        byte[] otherSource = {(byte) 192, 0, 2, 99, 0x51, (byte) 0xca};
        assertThat(bobChecker.checkMac2(next, INITIATION_MAC1, otherSource, nanos)).isFalse();
        // The secret behind the cookie expires after two minutes.
        assertThat(bobChecker.checkMac2(next, INITIATION_MAC1, source, nanos + CookieChecker.SECRET_LIFETIME.toNanos() + 1)).isFalse();
    }

    @Test
    void cookieReplyToAMessageWeDidNotSendIsRejected() throws Exception {
        byte[] init = initiation(5);
        byte[] other = init.clone();
        other[INITIATION_MAC1] ^= 1;
        byte[] reply = bobChecker.createReply(other, INITIATION_MAC1, 5, new byte[6], nanos);
        assertThat(aliceMacs.consumeReply(reply, nanos)).isFalse();
    }

    @Test
    void paddingRoundsUpToSixteenButNeverBeyondTheMtu() {
        assertThat(paddedLength(0, 1420)).isZero();
        assertThat(paddedLength(1, 1420)).isEqualTo(16);
        assertThat(paddedLength(16, 1420)).isEqualTo(16);
        assertThat(paddedLength(1410, 1420)).isEqualTo(1420);
        assertThat(paddedLength(1420, 1420)).isEqualTo(1420);
    }

    private byte[] initiation(int index) throws Exception {
        byte[] msg = aliceToBob.createInitiation(alice, index, wall);
        aliceMacs.addMacs(msg, INITIATION_MAC1, nanos);
        return msg;
    }
}
