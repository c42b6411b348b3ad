package dev.plexd.tunnel.crypto;

import dev.plexd.wireguard.X25519;
import org.junit.jupiter.api.Test;

import javax.crypto.AEADBadTagException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Known-answer tests. BLAKE2s vectors are from RFC 7693 Appendix B and the BLAKE2 reference
 * KAT; HMAC/KDF values were computed independently with Python's hmac over hashlib.blake2s,
 * following the WireGuard paper's definitions.
 */
class CryptoVectorsTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] range(int from, int toExclusive) {
        byte[] b = new byte[toExclusive - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void blake2s256OfAbcMatchesRfc7693AppendixB() {
        assertThat(HEX.formatHex(Blake2s.hash("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
    }

    @Test
    void hashOfSeveralPartsIsHashOfTheirConcatenation() {
        assertThat(Blake2s.hash("a".getBytes(), "bc".getBytes())).isEqualTo(Blake2s.hash("abc".getBytes()));
    }

    @Test
    void keyedBlake2sMatchesTheReferenceKat() {
        // BLAKE2 reference blake2s-kat.txt: key 00..1f, empty input, 32-byte output.
        org.bouncycastle.crypto.digests.Blake2sDigest digest = new org.bouncycastle.crypto.digests.Blake2sDigest(range(0, 32));
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        assertThat(HEX.formatHex(out)).isEqualTo("48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
    }

    @Test
    void macIsKeyedBlake2sWithA16ByteOutput() {
        byte[] key = range(0, 32);
        // Python: hashlib.blake2s(bytes(range(64)), key=bytes(range(32)), digest_size=16)
        byte[] mac = Blake2s.mac(key, range(0, 64), 0, 64);
        assertThat(HEX.formatHex(mac)).isEqualTo("f1efa90d2547036841ecd3627fafbc36");
        byte[] padded = new byte[70];
        System.arraycopy(range(0, 64), 0, padded, 3, 64);
        assertThat(Blake2s.mac(key, padded, 3, 64)).isEqualTo(mac);
    }

    @Test
    void hmacBlake2sUsesTheRfc2104ConstructionWith64ByteBlocks() {
        assertThat(HEX.formatHex(Blake2s.hmac("key".getBytes(), "The quick brown fox jumps over the lazy dog".getBytes())))
                .isEqualTo("f93215bb90d4af4c3061cd932fb169fb8bb8a91d0b4022baea1271e1323cd9a0");
    }

    @Test
    void kdfFollowsThePapersConstruction() {
        byte[][] out = Blake2s.kdf(3, range(0, 32), "input key material".getBytes());
        assertThat(HEX.formatHex(out[0])).isEqualTo("93e2a65883e34ac95485f5d0aa4b09163a4e944dab8cf9406d3a138e362851c6");
        assertThat(HEX.formatHex(out[1])).isEqualTo("dd6fae42afdb2a41170f44dc5b885ec4cfd17c8dd324d38b390c548630dd0a83");
        assertThat(HEX.formatHex(out[2])).isEqualTo("4125e0adfa9b7e736615e99dde6f3f0b64b949d8b480e82cab2e685dc286e45d");
        // KDF_n is a prefix of KDF_m: the transport keys (KDF2 of an empty input) are computed the same way.
        assertThat(Blake2s.kdf(1, range(0, 32), "input key material".getBytes())[0]).isEqualTo(out[0]);
        byte[][] transport = Blake2s.kdf(2, new byte[32], new byte[0]);
        assertThat(HEX.formatHex(transport[0])).isEqualTo("8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0");
        assertThat(HEX.formatHex(transport[1])).isEqualTo("58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e");
    }

    @Test
    void x25519MatchesRfc7748Section6_1() throws Exception {
        byte[] alicePrivate = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPrivate = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        assertThat(HEX.formatHex(X25519.publicKey(alicePrivate)))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        byte[] bobPublic = X25519.publicKey(bobPrivate);
        assertThat(HEX.formatHex(bobPublic)).isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assertThat(HEX.formatHex(X25519.sharedSecret(alicePrivate, bobPublic)))
                .isEqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    }

    @Test
    void x25519RejectsASmallOrderPeerKey() {
        assertThatThrownBy(() -> X25519.sharedSecret(X25519.generatePrivateKey(), new byte[32]))
                .isInstanceOf(java.security.InvalidKeyException.class);
    }

    @Test
    void generatedPrivateKeysAreClamped() {
        byte[] key = X25519.generatePrivateKey();
        assertThat(key[0] & 7).isZero();
        assertThat(key[31] & 0xc0).isEqualTo(0x40);
    }

    @Test
    void chaChaPolyUsesWireGuardsCounterNonce() throws Exception {
        // Python cryptography: ChaCha20Poly1305(key).encrypt(b"\0"*4 + pack("<Q", counter), msg, b"")
        byte[] key = range(0x80, 0xa0);
        byte[] msg = "WireGuard transport payload".getBytes();
        byte[] out = new byte[msg.length + 16];
        new ChaChaPoly().seal(ChaChaPoly.key(key), 0x0123456789abcdefL, null, msg, 0, msg.length, out, 0);
        assertThat(HEX.formatHex(out))
                .isEqualTo("33c67a4c8d6bba9d203ae9eb3e82a29cc41ab2ec4244af928a59677979a3e58992732171770112510e9e9f");
        byte[] back = new byte[msg.length];
        assertThat(new ChaChaPoly().open(ChaChaPoly.key(key), 0x0123456789abcdefL, null, out, 0, out.length, back, 0))
                .isEqualTo(msg.length);
        assertThat(back).isEqualTo(msg);
    }

    @Test
    void chaChaPolyHandshakeFormBindsTheAssociatedData() {
        byte[] key = range(0x80, 0xa0);
        assertThat(HEX.formatHex(new ChaChaPoly().seal(ChaChaPoly.key(key), range(0, 32), new byte[0])))
                .isEqualTo("e99b39388a414f9ac93ad8146d1e84ff");
    }

    @Test
    void chaChaPolyRejectsTamperedDataWithoutWritingOutput() {
        byte[] key = range(0, 32);
        byte[] msg = new byte[40];
        byte[] sealed = new byte[56];
        ChaChaPoly aead = new ChaChaPoly();
        aead.seal(ChaChaPoly.key(key), 7, null, msg, 0, 40, sealed, 0);
        sealed[3] ^= 1;
        byte[] out = new byte[40];
        java.util.Arrays.fill(out, (byte) 0x55);
        assertThatThrownBy(() -> aead.open(ChaChaPoly.key(key), 7, null, sealed, 0, 56, out, 0))
                .isInstanceOf(AEADBadTagException.class);
        assertThat(out).containsOnly((byte) 0x55);
        assertThatThrownBy(() -> aead.open(ChaChaPoly.key(key), 7, null, sealed, 0, 15, out, 0))
                .isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void wipedKeyCannotEncrypt() {
        WipeableKey key = ChaChaPoly.key(range(0, 32));
        key.destroy();
        assertThat(key.isDestroyed()).isTrue();
        assertThatThrownBy(key::getEncoded).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void xChaChaPolyMatchesDraftIrtfCfrgXchachaA3_1() throws Exception {
        byte[] key = range(0x80, 0xa0);
        byte[] nonce = range(0x40, 0x58);
        byte[] aad = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
        byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future,"
                + " sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        byte[] sealed = XChaChaPoly.seal(key, nonce, aad, plaintext);
        assertThat(HEX.formatHex(sealed)).isEqualTo("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc3"
                + "69488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e" + "c0875924c1c7987947deafd8780acf49");
        assertThat(XChaChaPoly.open(key, nonce, aad, sealed, 0, sealed.length)).isEqualTo(plaintext);
        sealed[0] ^= 1;
        assertThatThrownBy(() -> XChaChaPoly.open(key, nonce, aad, sealed, 0, sealed.length)).isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void tai64nIsBigEndianWithTheTaiOffsetAndWhitenedNanos() {
        byte[] t = Tai64n.of(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertThat(HEX.formatHex(t, 0, 8)).isEqualTo(String.format("%016x", 0x400000000000000aL + 1_700_000_000L));
        int nanos = (t[8] & 0xff) << 24 | (t[9] & 0xff) << 16 | (t[10] & 0xff) << 8 | (t[11] & 0xff);
        assertThat(nanos).isEqualTo(123_456_789 & ~0xffffff);
        assertThat(Tai64n.isAfter(Tai64n.of(Instant.ofEpochSecond(1_700_000_001L)), t)).isTrue();
        assertThat(Tai64n.isAfter(t, t)).isFalse();
    }
}
