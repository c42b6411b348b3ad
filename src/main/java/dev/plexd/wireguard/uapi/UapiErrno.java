package dev.plexd.wireguard.uapi;

/**
 * The errno values UAPI implementations answer with (Linux numbering). They are positive here; on
 * the wire they are negated ({@code errno=-22}), as wireguard-go writes them and {@code wg} reads
 * them. {@link UapiCodec#encodeErrno} negates, the parsers accept either sign.
 */
public final class UapiErrno {

    public static final int OK = 0;
    /** I/O failure while applying the change. */
    public static final int EIO = 5;
    /** A key or value the server rejects. */
    public static final int EINVAL = 22;
    /** Framing broken: unknown operation, truncated or oversized message. */
    public static final int EPROTO = 71;
    /** The listen port is taken. */
    public static final int EADDRINUSE = 98;

    private UapiErrno() {
    }

    /** A short name for the values above, else {@code errno N}; used in messages. */
    public static String name(int errno) {
        return switch (errno) {
            case OK -> "OK";
            case EIO -> "EIO";
            case EINVAL -> "EINVAL";
            case EPROTO -> "EPROTO";
            case EADDRINUSE -> "EADDRINUSE";
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 12 -> "ENOMEM";
            case 19 -> "ENODEV";
            default -> "errno " + errno;
        };
    }
}
