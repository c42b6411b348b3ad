package dev.plexd.tunnel.noise;

/** Test access to a live session's send counter, for tests outside this package. */
public final class Keypairs {

    private Keypairs() {
    }

    /** The next {@link Keypair#nextSendCounter} returns {@code next}. */
    public static void setNextSendCounter(Keypair keypair, long next) {
        keypair.setNextSendCounter(next);
    }
}
