package dev.plexd.testing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PrivilegedConditionTest {

    @Test
    void everyPrivilegedTestNeedsTheToolsNetNsRuns() {
        assertThat(PrivilegedCondition.required()).containsExactly("ip", "sysctl");
        assertThat(PrivilegedCondition.required("nft", "ip")).containsExactly("ip", "sysctl", "nft");
    }

    @Test
    void aMissingToolIsNamed() {
        assumeTrue(PrivilegedCondition.isRoot(), "without root the reason is root, not the tool");
        assertThat(PrivilegedCondition.missing(PrivilegedCondition.required("q4-no-such-tool")))
                .isEqualTo("needs 'q4-no-such-tool' on the PATH");
    }
}
