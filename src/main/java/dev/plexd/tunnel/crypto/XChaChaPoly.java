package dev.plexd.tunnel.crypto;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.XChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

import javax.crypto.AEADBadTagException;

/**
 * XChaCha20-Poly1305 (24-byte nonce), used only for WireGuard's cookie replies. The JDK has no
 * XChaCha20/HChaCha20, so this one comes from BouncyCastle. Rare path: allocates freely.
 */
public final class XChaChaPoly {

    public static final int NONCE_LENGTH = 24;

    private XChaChaPoly() {
    }

    public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        XChaCha20Poly1305 aead = new XChaCha20Poly1305();
        aead.init(true, new AEADParameters(new KeyParameter(key), 128, nonce, aad));
        byte[] out = new byte[aead.getOutputSize(plaintext.length)];
        int n = aead.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            aead.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("XChaCha20-Poly1305 seal failed", e);
        }
        return out;
    }

    /** @throws AEADBadTagException when the ciphertext is not authentic */
    public static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext, int offset, int length)
            throws AEADBadTagException {
        XChaCha20Poly1305 aead = new XChaCha20Poly1305();
        aead.init(false, new AEADParameters(new KeyParameter(key), 128, nonce, aad));
        byte[] out = new byte[aead.getOutputSize(length)];
        int n = aead.processBytes(ciphertext, offset, length, out, 0);
        try {
            aead.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new AEADBadTagException("cookie reply not authentic");
        }
        return out;
    }
}
