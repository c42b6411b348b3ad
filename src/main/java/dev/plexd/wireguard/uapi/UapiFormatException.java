package dev.plexd.wireguard.uapi;

import java.io.IOException;

/**
 * A UAPI message that does not follow the protocol: bad framing, an unknown or misplaced key, a
 * malformed value. The message names the line; values of secret keys are never quoted.
 * {@link #errno()} is what a server answers with ({@code errno=N}).
 */
public class UapiFormatException extends IOException {

    private final int errno;

    public UapiFormatException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public UapiFormatException(String message) {
        this(message, UapiErrno.EINVAL);
    }

    public UapiFormatException(String message, Throwable cause) {
        super(message, cause);
        this.errno = UapiErrno.EINVAL;
    }

    /** The errno a server reports for this error: EPROTO for framing, EINVAL for content. */
    public int errno() {
        return errno;
    }
}
