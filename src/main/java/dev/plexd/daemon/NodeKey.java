package dev.plexd.daemon;

import dev.plexd.wireguard.WireGuardKeys;
import dev.plexd.wireguard.X25519;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The node's WireGuard key pair. The private key lives in a file in WireGuard's own format
 * (base64 and a newline, as {@code wg genkey} writes it), mode 0600; it is generated on first start.
 */
public final class NodeKey {

    private static final Logger log = LoggerFactory.getLogger(NodeKey.class);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private final byte[] privateKey;
    private final String publicKey;

    private NodeKey(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = WireGuardKeys.encode(X25519.publicKey(privateKey));
    }

    /**
     * Reads the key, or creates it when the file does not exist.
     *
     * @throws IOException naming the file when it is malformed or readable by group or others
     */
    public static NodeKey loadOrCreate(Path file) throws IOException {
        try {
            return load(file);
        } catch (NoSuchFileException e) {
            return create(file);
        }
    }

    private static NodeKey load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!PRIVATE.containsAll(mode)) {
            throw new IOException("wireguard.private_key_file " + file + ": accessible by group or others ("
                    + PosixFilePermissions.toString(mode) + "); run chmod 600 " + file);
        }
        try {
            return new NodeKey(WireGuardKeys.decode(text.strip(), "wireguard.private_key_file " + file));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * A key given as base64, e.g. the one registered with the control plane.
     *
     * @param what names the key's origin in the error
     */
    public static NodeKey of(String privateKeyBase64, String what) throws IOException {
        try {
            return new NodeKey(WireGuardKeys.decode(privateKeyBase64, what));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static NodeKey create(Path file) throws IOException {
        byte[] key = X25519.generatePrivateKey();
        try {
            // Created with its final mode: the key is never readable by others, not even briefly.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException e) {
            return load(file); // another start raced us; use its key
        }
        Files.setPosixFilePermissions(file, PRIVATE); // createFile's mode passes through the umask
        Files.writeString(file, WireGuardKeys.encode(key) + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        NodeKey nodeKey = new NodeKey(key);
        log.atInfo().addKeyValue("file", file.toString()).addKeyValue("public_key", nodeKey.publicKey)
                .log("generated the node's WireGuard key");
        return nodeKey;
    }

    /** A copy of the 32-byte private key; the caller should clear it after use. */
    public byte[] privateKey() {
        return privateKey.clone();
    }

    public String publicKeyBase64() {
        return publicKey;
    }

    @Override
    public String toString() {
        return "NodeKey[public=" + publicKey + "]";
    }
}
