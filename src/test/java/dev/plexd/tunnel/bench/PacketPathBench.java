package dev.plexd.tunnel.bench;

import dev.plexd.service.PeerDirectory;
import dev.plexd.service.filter.ServiceFilter;
import dev.plexd.service.policy.PolicyLoader;
import dev.plexd.testing.TempFiles;
import dev.plexd.tunnel.crypto.ChaChaPoly;
import dev.plexd.tunnel.crypto.WipeableKey;
import dev.plexd.tunnel.replay.ReplayWindow;
import dev.plexd.tunnel.route.AllowedIps;
import dev.plexd.tunnel.route.Prefix;
import dev.plexd.wireguard.WireGuardKeys;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The per-packet work of the data plane without the system calls: sealing and opening one
 * 1,420-byte packet, the replay window, the allowed-IPs lookup and the service filter. With {@code -prof gc} it shows
 * the allocation per packet. {@code jdkSeal}/{@code jdkOpen} are the reference: the bare JDK
 * {@code Cipher} doing the same work the way its API is meant to be used (a {@code SecretKeySpec}
 * made once, a new {@code IvParameterSpec} per packet), so the difference is plexd's own.
 *
 * <pre>./mvnw -Pbench -q test-compile exec:exec -Dbench='PacketPathBench' -Dbench.args='-prof gc'</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PacketPathBench {

    private static final int PACKET = 1420;
    private final ChaChaPoly aead = new ChaChaPoly();
    private final WipeableKey key = ChaChaPoly.key(new byte[32]);
    private final byte[] plain = new byte[PACKET];
    private final byte[] sealed = new byte[PACKET + ChaChaPoly.TAG_LENGTH];
    private final byte[] opened = new byte[PACKET];
    private final ReplayWindow window = new ReplayWindow();
    private final AllowedIps<String> routes = new AllowedIps<>();
    private final ServiceFilter filter = new ServiceFilter();
    private final Cipher jdk = jdkCipher();
    private final SecretKeySpec jdkKey = new SecretKeySpec(new byte[32], "ChaCha20");
    private final byte[] jdkNonce = new byte[12];
    private final byte[] jdkOpenNonce = new byte[12]; // counter 0, as sealed in setUp
    private long counter;

    @Setup
    public void setUp() throws Exception {
        Path config = Files.createTempDirectory("pxd-bench");
        try {
            Files.createDirectories(config.resolve("services"));
            Files.writeString(config.resolve("services/default"), "deny\n");
            Files.writeString(config.resolve("services/global.policy"), "allow tcp 5201\n");
            filter.install(PolicyLoader.load(config), PeerDirectory.EMPTY);
        } finally {
            TempFiles.deleteRecursively(config);
        }
        filter.bindSlot(0, WireGuardKeys.encode(new byte[32]));
        plain[0] = 0x45;
        plain[2] = (byte) (PACKET >>> 8);
        plain[3] = (byte) PACKET;
        plain[9] = 6; // TCP
        plain[22] = (byte) (5201 >>> 8);
        plain[23] = (byte) 5201;
        plain[32] = 0x50;
        plain[12] = 10; plain[15] = 2;
        plain[16] = 10; plain[19] = 1;
        for (int i = 0; i < 200; i++) {
            routes.insert(Prefix.parse("10." + (i / 250) + "." + (i % 250) + ".0/24"), "peer" + i);
        }
        routes.insert(Prefix.parse("10.0.0.2/32"), "sender");
        aead.seal(key, 0, null, plain, 0, PACKET, sealed, 0);
        if (!serviceFilter()) {
            throw new IllegalStateException("the benchmark packet must be one the filter allows");
        }
        counter = 1; // the JDK refuses to encrypt twice with one key and nonce
    }

    @Benchmark
    public int seal() {
        return aead.seal(key, counter++, null, plain, 0, PACKET, sealed, 0);
    }

    @Benchmark
    public int open() throws AEADBadTagException {
        return aead.open(key, 0, null, sealed, 0, sealed.length, opened, 0);
    }

    @Benchmark
    public int jdkSeal() throws GeneralSecurityException {
        long c = counter++;
        for (int i = 0; i < 8; i++) {
            jdkNonce[4 + i] = (byte) (c >>> (8 * i));
        }
        jdk.init(Cipher.ENCRYPT_MODE, jdkKey, new IvParameterSpec(jdkNonce));
        return jdk.doFinal(plain, 0, PACKET, sealed, 0);
    }

    @Benchmark
    public int jdkOpen() throws GeneralSecurityException {
        jdk.init(Cipher.DECRYPT_MODE, jdkKey, new IvParameterSpec(jdkOpenNonce));
        return jdk.doFinal(sealed, 0, sealed.length, opened, 0);
    }

    private static Cipher jdkCipher() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public boolean replayWindow() {
        return window.accept(counter++);
    }

    /** The service filter at the boundary, allowing a TCP segment to port 5201 (deny + allow tcp 5201). */
    @Benchmark
    public boolean serviceFilter() {
        return filter.allowInbound(0, plain, 0, PACKET);
    }

    @Benchmark
    public String allowedIpsLookup() {
        return routes.lookup(plain, 0, PACKET, true);
    }
}
