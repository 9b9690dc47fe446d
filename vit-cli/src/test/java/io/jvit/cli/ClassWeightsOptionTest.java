package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClassWeightsOptionTest {
    @Test
    void namesAndPowersParse() {
        assertThat(SegmentCommand.classWeightPower("none")).isEqualTo(0.0);
        assertThat(SegmentCommand.classWeightPower("Balanced")).isEqualTo(1.0);
        assertThat(SegmentCommand.classWeightPower("0.5")).isEqualTo(0.5);
        assertThat(SegmentCommand.classWeightPower("0")).isEqualTo(0.0);
        for (String bad : new String[] {"some", "1.5", "-0.1", "NaN"})
            assertThatThrownBy(() -> SegmentCommand.classWeightPower(bad))
                    .hasMessage("--class-weights must be none, balanced or a power in [0, 1], got '" + bad + "'");
    }
}
