package io.jvit.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Slopes, sin-cos and RoPE tables against hand-computed values. */
class PositionTablesTest {

    @Test
    void fixedSlopesForSixAndFourHeads() {
        assertThat(AlibiSlopes.FIXED.values(6))
                .containsExactly(new double[] {0.39685, 0.15749, 0.0625, 0.024803, 0.0098431, 0.0039063}, within(1e-5));
        assertThat(AlibiSlopes.FIXED.values(4)).containsExactly(1 / 4.0, 1 / 16.0, 1 / 64.0, 1 / 256.0);
        assertThat(AlibiSlopes.CONSTANT.values(3)).containsExactly(1.0, 1.0, 1.0);
    }

    @Test
    void sinCosLayoutIsSinYCosYSinXCosX() {
        // dim 8 → 2 frequencies ω = (1, 1/100); patch (row 1, column 2) of a 2×3 grid.
        float[] t = new SinCos2d(10000).table(2, 3, 8);
        int o = (1 * 3 + 2) * 8;
        double[] expected = {
            Math.sin(1),
            Math.sin(0.01),
            Math.cos(1),
            Math.cos(0.01),
            Math.sin(2),
            Math.sin(0.02),
            Math.cos(2),
            Math.cos(0.02)
        };
        for (int k = 0; k < 8; k++) assertThat((double) t[o + k]).isCloseTo(expected[k], within(1e-7));
    }

    @Test
    void ropeTablesFollowDinoV3() {
        // head dim 8, base 100 → periods (1, 10); 2×2 grid; patch (row 0, column 1): y = −0.5, x = +0.5.
        RopeTables r = new Rope2d(100).ropeTables(2, 2, 8);
        double[] angles = {-Math.PI, -0.1 * Math.PI, Math.PI, 0.1 * Math.PI};
        int o = 8;
        for (int k = 0; k < 8; k++) {
            assertThat((double) r.sin()[o + k]).isCloseTo(Math.sin(angles[k % 4]), within(1e-6));
            assertThat((double) r.cos()[o + k]).isCloseTo(Math.cos(angles[k % 4]), within(1e-6));
        }
    }

    @Test
    void parseKnowsEveryEncoding() {
        assertThat(PositionalEncoding.parse("alibi", 37)).isEqualTo(Alibi2d.paperDefault());
        assertThat(PositionalEncoding.parse("learned", 37)).isEqualTo(LearnedAbsolute.dinov2(37));
        assertThat(PositionalEncoding.parse("none", 37)).isInstanceOf(NoPE.class);
        assertThat(PositionalEncoding.parse("rope", 37)).isInstanceOf(Rope2d.class);
        assertThat(PositionalEncoding.parse("sincos", 37)).isInstanceOf(SinCos2d.class);
    }
}
