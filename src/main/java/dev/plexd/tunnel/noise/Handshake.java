package dev.plexd.tunnel.noise;

import dev.plexd.tunnel.crypto.Blake2s;
import dev.plexd.tunnel.crypto.ChaChaPoly;
import dev.plexd.tunnel.crypto.Tai64n;
import dev.plexd.wireguard.X25519;

import javax.crypto.AEADBadTagException;
import java.security.InvalidKeyException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static dev.plexd.tunnel.noise.Messages.*;

/**
 * The Noise_IKpsk2 handshake with one peer (WireGuard paper §5.4.2–5.4.5), either role. Each
 * method builds or checks one message and moves the state on; a message that fails any check
 * leaves the state untouched. Thread-safe: every method locks the instance.
 *
 * <pre>
 * initiator                                  responder
 *   -> e, es, s, ss, {timestamp}   (initiation, 148 bytes)
 *                                  <- e, ee, se, psk, {}   (response, 92 bytes)
 * </pre>
 */
public final class Handshake {

    /** At most one initiation per peer is consumed per this interval (wireguard-go's flood guard). */
    public static final Duration INITIATION_RATE = Duration.ofMillis(20);

    public enum State { ZEROED, INITIATION_CREATED, INITIATION_CONSUMED, RESPONSE_CREATED, RESPONSE_CONSUMED }

    /** Transport keys derived at the end of a handshake; {@code initiator} tells which role we had. */
    public record SessionKeys(byte[] sendKey, byte[] receiveKey, boolean initiator, int localIndex, int remoteIndex) {
        public void wipe() {
            X25519.wipe(sendKey);
            X25519.wipe(receiveKey);
        }
    }

    /** The part of an initiation any peer's handshake can check: who sent it, and the transcript so far. */
    public record InitiationStart(byte[] peerPublicKey, int senderIndex, byte[] ephemeral, byte[] hash, byte[] chainKey) {
    }

    private final byte[] remoteStatic;
    private final ChaChaPoly aead = new ChaChaPoly();
    private byte[] presharedKey = new byte[32];
    private byte[] precomputedStaticStatic = new byte[32];

    private State state = State.ZEROED;
    private byte[] hash = new byte[32];
    private byte[] chainKey = new byte[32];
    private byte[] localEphemeral = new byte[32];
    private byte[] remoteEphemeral = new byte[32];
    private int localIndex;
    private int remoteIndex;
    private byte[] lastTimestamp = new byte[Tai64n.LENGTH];
    private long lastInitiationConsumedNanos;
    private boolean consumedAny;

    public Handshake(StaticIdentity identity, byte[] remoteStatic) {
        this.remoteStatic = remoteStatic.clone();
        setIdentity(identity);
    }

    public byte[] remoteStatic() {
        return remoteStatic.clone();
    }

    /** Recomputes {@code DH(S_priv_local, S_pub_remote)}; an invalid (small-order) peer key leaves it zero. */
    public synchronized void setIdentity(StaticIdentity identity) {
        X25519.wipe(precomputedStaticStatic);
        try {
            precomputedStaticStatic = identity == null ? new byte[32] : X25519.sharedSecret(identity.privateKey(), remoteStatic);
        } catch (InvalidKeyException e) {
            precomputedStaticStatic = new byte[32];
        }
        clear();
    }

    public synchronized void setPresharedKey(byte[] psk) {
        X25519.wipe(presharedKey);
        presharedKey = psk == null ? new byte[32] : psk.clone();
    }

    public synchronized byte[] presharedKey() {
        return presharedKey.clone();
    }

    public synchronized boolean hasPresharedKey() {
        return !X25519.isZero(presharedKey);
    }

    public synchronized State state() {
        return state;
    }

    public synchronized int localIndex() {
        return localIndex;
    }

    /** Forgets the handshake in progress (keys, ephemeral, transcript); the replay guards stay. */
    public synchronized void clear() {
        X25519.wipe(localEphemeral);
        X25519.wipe(remoteEphemeral);
        X25519.wipe(chainKey);
        X25519.wipe(hash);
        localIndex = 0;
        state = State.ZEROED;
    }

    /**
     * Builds an initiation with mac1/mac2 left zero (see {@link CookieGenerator#addMacs}).
     *
     * @throws InvalidKeyException when the peer's static key is unusable (small order)
     */
    public synchronized byte[] createInitiation(StaticIdentity identity, int senderIndex, Instant now) throws InvalidKeyException {
        if (X25519.isZero(precomputedStaticStatic)) {
            throw new InvalidKeyException("peer public key has small order");
        }
        hash = Labels.initialHash();
        chainKey = Labels.initialChainKey();
        mixHash(remoteStatic);
        localEphemeral = X25519.generatePrivateKey();
        byte[] ephemeral = X25519.publicKey(localEphemeral);

        byte[] msg = new byte[INITIATION_SIZE];
        putInt(msg, 0, TYPE_INITIATION);
        putInt(msg, INITIATION_SENDER, senderIndex);
        System.arraycopy(ephemeral, 0, msg, INITIATION_EPHEMERAL, 32);
        chainKey = Blake2s.kdf(1, chainKey, ephemeral)[0];
        mixHash(ephemeral);

        byte[][] ck = Blake2s.kdf(2, chainKey, X25519.sharedSecret(localEphemeral, remoteStatic));
        chainKey = ck[0];
        byte[] encryptedStatic = aead.seal(ChaChaPoly.key(ck[1]), hash, identity.publicKey());
        System.arraycopy(encryptedStatic, 0, msg, INITIATION_STATIC, encryptedStatic.length);
        mixHash(encryptedStatic);

        ck = Blake2s.kdf(2, chainKey, precomputedStaticStatic);
        chainKey = ck[0];
        byte[] encryptedTimestamp = aead.seal(ChaChaPoly.key(ck[1]), hash, Tai64n.of(now));
        System.arraycopy(encryptedTimestamp, 0, msg, INITIATION_TIMESTAMP, encryptedTimestamp.length);
        mixHash(encryptedTimestamp);

        localIndex = senderIndex;
        state = State.INITIATION_CREATED;
        return msg;
    }

    /**
     * First half of consuming an initiation: decrypts the sender's static key with our identity.
     *
     * @return null when the message is not for us or not authentic
     */
    public static InitiationStart beginConsumeInitiation(StaticIdentity identity, byte[] msg) {
        if (msg.length != INITIATION_SIZE || getInt(msg, 0) != TYPE_INITIATION) {
            return null;
        }
        byte[] ephemeral = Arrays.copyOfRange(msg, INITIATION_EPHEMERAL, INITIATION_EPHEMERAL + 32);
        byte[] hash = Blake2s.hash(Labels.INITIAL_HASH, identity.publicKey());
        hash = Blake2s.hash(hash, ephemeral);
        byte[] chainKey = Blake2s.kdf(1, Labels.INITIAL_CHAIN_KEY, ephemeral)[0];
        try {
            byte[][] ck = Blake2s.kdf(2, chainKey, X25519.sharedSecret(identity.privateKey(), ephemeral));
            byte[] peer = new byte[32];
            new ChaChaPoly().open(ChaChaPoly.key(ck[1]), 0, hash, msg, INITIATION_STATIC, 48, peer, 0);
            hash = Blake2s.hash(hash, Arrays.copyOfRange(msg, INITIATION_STATIC, INITIATION_STATIC + 48));
            return new InitiationStart(peer, getInt(msg, INITIATION_SENDER), ephemeral, hash, ck[0]);
        } catch (InvalidKeyException | AEADBadTagException e) {
            return null;
        }
    }

    /** Why {@link #consumeInitiation} refused a message; {@code null} there means accepted. */
    public enum Rejection { NOT_AUTHENTIC, REPLAYED_TIMESTAMP, FLOOD }

    /**
     * Second half: checks the timestamp against replays and floods and, if it passes, takes the
     * responder role for this transcript.
     */
    public synchronized Rejection consumeInitiation(InitiationStart start, byte[] msg, long nowNanos) {
        if (X25519.isZero(precomputedStaticStatic)) {
            return Rejection.NOT_AUTHENTIC;
        }
        byte[][] ck = Blake2s.kdf(2, start.chainKey(), precomputedStaticStatic);
        byte[] timestamp = new byte[Tai64n.LENGTH];
        try {
            aead.open(ChaChaPoly.key(ck[1]), 0, start.hash(), msg, INITIATION_TIMESTAMP, Tai64n.LENGTH + 16, timestamp, 0);
        } catch (AEADBadTagException e) {
            return Rejection.NOT_AUTHENTIC;
        }
        if (!Tai64n.isAfter(timestamp, lastTimestamp)) {
            return Rejection.REPLAYED_TIMESTAMP;
        }
        if (consumedAny && nowNanos - lastInitiationConsumedNanos <= INITIATION_RATE.toNanos()) {
            return Rejection.FLOOD;
        }
        hash = Blake2s.hash(start.hash(), Arrays.copyOfRange(msg, INITIATION_TIMESTAMP, INITIATION_TIMESTAMP + 28));
        chainKey = ck[0];
        remoteIndex = start.senderIndex();
        remoteEphemeral = start.ephemeral().clone();
        lastTimestamp = timestamp;
        lastInitiationConsumedNanos = nowNanos;
        consumedAny = true;
        state = State.INITIATION_CONSUMED;
        return null;
    }

    /** Builds the response to a consumed initiation (mac1/mac2 zero), or null in any other state. */
    public synchronized byte[] createResponse(int senderIndex) throws InvalidKeyException {
        if (state != State.INITIATION_CONSUMED) {
            return null;
        }
        byte[] msg = new byte[RESPONSE_SIZE];
        putInt(msg, 0, TYPE_RESPONSE);
        putInt(msg, RESPONSE_SENDER, senderIndex);
        putInt(msg, RESPONSE_RECEIVER, remoteIndex);
        localEphemeral = X25519.generatePrivateKey();
        byte[] ephemeral = X25519.publicKey(localEphemeral);
        System.arraycopy(ephemeral, 0, msg, RESPONSE_EPHEMERAL, 32);
        mixHash(ephemeral);
        chainKey = Blake2s.kdf(1, chainKey, ephemeral)[0];
        chainKey = Blake2s.kdf(1, chainKey, X25519.sharedSecret(localEphemeral, remoteEphemeral))[0];
        chainKey = Blake2s.kdf(1, chainKey, X25519.sharedSecret(localEphemeral, remoteStatic))[0];
        byte[][] ckTauKey = Blake2s.kdf(3, chainKey, presharedKey);
        chainKey = ckTauKey[0];
        mixHash(ckTauKey[1]);
        byte[] empty = aead.seal(ChaChaPoly.key(ckTauKey[2]), hash, new byte[0]);
        System.arraycopy(empty, 0, msg, RESPONSE_EMPTY, 16);
        mixHash(empty);
        localIndex = senderIndex;
        state = State.RESPONSE_CREATED;
        return msg;
    }

    /**
     * Consumes the response to our initiation (the caller matched its receiver index to
     * {@link #localIndex()}).
     *
     * @return true if authentic; the state is then RESPONSE_CONSUMED
     */
    public synchronized boolean consumeResponse(StaticIdentity identity, byte[] msg) {
        if (state != State.INITIATION_CREATED || msg.length != RESPONSE_SIZE || getInt(msg, 0) != TYPE_RESPONSE
                || getInt(msg, RESPONSE_RECEIVER) != localIndex) {
            return false;
        }
        byte[] ephemeral = Arrays.copyOfRange(msg, RESPONSE_EPHEMERAL, RESPONSE_EPHEMERAL + 32);
        try {
            byte[] h = Blake2s.hash(hash, ephemeral);
            byte[] ck = Blake2s.kdf(1, chainKey, ephemeral)[0];
            ck = Blake2s.kdf(1, ck, X25519.sharedSecret(localEphemeral, ephemeral))[0];
            ck = Blake2s.kdf(1, ck, X25519.sharedSecret(identity.privateKey(), ephemeral))[0];
            byte[][] ckTauKey = Blake2s.kdf(3, ck, presharedKey);
            h = Blake2s.hash(h, ckTauKey[1]);
            aead.open(ChaChaPoly.key(ckTauKey[2]), 0, h, msg, RESPONSE_EMPTY, 16, new byte[0], 0);
            hash = Blake2s.hash(h, Arrays.copyOfRange(msg, RESPONSE_EMPTY, RESPONSE_EMPTY + 16));
            chainKey = ckTauKey[0];
            remoteIndex = getInt(msg, RESPONSE_SENDER);
            state = State.RESPONSE_CONSUMED;
            return true;
        } catch (InvalidKeyException | AEADBadTagException e) {
            return false;
        }
    }

    /**
     * Derives the transport keys from a finished handshake ({@code (T_send, T_recv) = KDF2(C, ε)}
     * for the initiator, swapped for the responder) and zeroes the handshake.
     *
     * @return null when no handshake is finished
     */
    public synchronized SessionKeys beginSession() {
        boolean initiator;
        if (state == State.RESPONSE_CONSUMED) {
            initiator = true;
        } else if (state == State.RESPONSE_CREATED) {
            initiator = false;
        } else {
            return null;
        }
        byte[][] keys = Blake2s.kdf(2, chainKey, new byte[0]);
        SessionKeys session = initiator
                ? new SessionKeys(keys[0], keys[1], true, localIndex, remoteIndex)
                : new SessionKeys(keys[1], keys[0], false, localIndex, remoteIndex);
        X25519.wipe(chainKey);
        X25519.wipe(hash);
        X25519.wipe(localEphemeral);
        localIndex = 0;
        state = State.ZEROED;
        return session;
    }

    private void mixHash(byte[] data) {
        hash = Blake2s.hash(hash, data);
    }
}
