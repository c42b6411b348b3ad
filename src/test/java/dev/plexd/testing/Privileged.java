package dev.plexd.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test that needs root (network namespaces, nftables, TUN) and the named tools, plus
 * {@link PrivilegedCondition#NAMESPACE_TOOLS} which {@link NetNs} runs for every namespace. Without
 * them it is skipped with the reason; with {@code PLEXD_REQUIRE_PRIVILEGED=1} (CI) it fails instead,
 * so CI can never pass by skipping.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("privileged")
@ExtendWith(PrivilegedCondition.class)
public @interface Privileged {
    /** Executables that must be on the PATH besides the namespace tools, e.g. {@code "nft"}, {@code "wireguard-go"}. */
    String[] tools() default {};
}
