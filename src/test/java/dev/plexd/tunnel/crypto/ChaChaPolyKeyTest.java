package dev.plexd.tunnel.crypto;

import org.junit.jupiter.api.Test;

import javax.crypto.AEADBadTagException;
import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How session keys live in the JDK cipher: reused per packet, copied per init, gone after {@link ChaChaPoly#forget}. */
class ChaChaPolyKeyTest {

    private static byte[] randomKey() {
        byte[] raw = new byte[ChaChaPoly.KEY_LENGTH];
        new SecureRandom().nextBytes(raw);
        return raw;
    }

    @Test
    void oneKeyObjectServesEveryPacketAndSurvivesTheCipherMovingToAnotherKey() throws Exception {
        WipeableKey session = ChaChaPoly.key(randomKey());
        WipeableKey other = ChaChaPoly.key(randomKey());
        ChaChaPoly aead = new ChaChaPoly();
        byte[] plain = "one packet".getBytes();
        byte[] sealed = new byte[plain.length + ChaChaPoly.TAG_LENGTH];
        byte[] opened = new byte[plain.length];
        for (long counter = 0; counter < 3; counter++) {
            aead.seal(session, counter, null, plain, 0, plain.length, sealed, 0);
            // The JDK zeroes the key copy it kept at its next init: that copy must not be the key's own array.
            aead.seal(other, counter, null, plain, 0, plain.length, new byte[sealed.length], 0);
            assertThat(aead.open(session, counter, null, sealed, 0, sealed.length, opened, 0)).isEqualTo(plain.length);
            assertThat(opened).isEqualTo(plain);
        }
        assertThat(session.getEncoded()).as("a copy each time").isNotSameAs(session.getEncoded());
    }

    @Test
    void aDestroyedKeyNeverEncrypts() {
        WipeableKey key = ChaChaPoly.key(randomKey());
        key.destroy();
        assertThatThrownBy(() -> new ChaChaPoly().seal(key, 0, null, new byte[1], 0, 1, new byte[17], 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void withoutForgetTheCipherStillHoldsAnErasedKey() throws Exception {
        ChaChaPoly aead = new ChaChaPoly();
        HeapSearch.Masked secret = useAndDestroy(aead);
        assertThat(HeapSearch.liveHeapContains(secret)).as("the JDK cipher keeps the last key (this is why forget exists)").isTrue();
        aead.forget();
    }

    @Test
    void forgetLeavesNoCopyOfTheLastKeyInTheCipher() throws Exception {
        ChaChaPoly aead = new ChaChaPoly();
        HeapSearch.Masked secret = useAndDestroy(aead);
        aead.forget();
        aead.forget(); // repeatable: decrypt mode has no key/nonce reuse check
        assertThat(HeapSearch.liveHeapContains(secret)).isFalse();
        // And the cipher still works for the next session.
        WipeableKey next = ChaChaPoly.key(randomKey());
        byte[] sealed = aead.seal(next, null, new byte[4]);
        assertThat(aead.open(next, 0, null, sealed, 0, sealed.length, new byte[4], 0)).isEqualTo(4);
    }

    /** Seals and opens with a fresh key, destroys the key object, returns the key masked. */
    private static HeapSearch.Masked useAndDestroy(ChaChaPoly aead) throws AEADBadTagException {
        byte[] raw = randomKey();
        HeapSearch.Masked secret = HeapSearch.Masked.of(raw);
        WipeableKey key = ChaChaPoly.key(raw);
        Arrays.fill(raw, (byte) 0);
        byte[] sealed = new byte[64 + ChaChaPoly.TAG_LENGTH];
        aead.seal(key, 7, null, new byte[64], 0, 64, sealed, 0);
        aead.open(key, 7, null, sealed, 0, sealed.length, new byte[64], 0);
        key.destroy();
        return secret;
    }
}
