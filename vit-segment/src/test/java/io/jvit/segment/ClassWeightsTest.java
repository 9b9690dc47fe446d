package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClassWeightsTest {
    // 100 scribbled pixels, K = 2: 80 of class 0, 20 of class 1; balanced weights n/(K·n_k) = 100/160, 100/40
    private static final int[] COUNT = {80, 20};

    @Test
    void powerZeroWeighsEveryPixelOneAndPowerOneBalances() {
        assertThat(ClassWeights.perClass(COUNT, 0)).containsExactly(1.0, 1.0);
        double[] balanced = ClassWeights.perClass(COUNT, 1);
        assertThat(balanced[0]).isCloseTo(0.625, within(1e-12));
        assertThat(balanced[1]).isCloseTo(2.5, within(1e-12));
        // fully balanced: each class the same total weight, n / K = 50
        assertThat(80 * balanced[0]).isCloseTo(50, within(1e-9));
        assertThat(20 * balanced[1]).isCloseTo(50, within(1e-9));
    }

    @Test
    void powerOneHalfIsTheSquareRootOfTheBalancedWeights() {
        double[] half = ClassWeights.perClass(COUNT, 0.5);
        assertThat(half[0]).isCloseTo(Math.sqrt(0.625), within(1e-12)); // 0.7906
        assertThat(half[1]).isCloseTo(Math.sqrt(2.5), within(1e-12)); // 1.5811
        // the minority's weight per pixel relative to the majority's: 4 balanced, 2 at α = 1/2, 1 unweighted
        assertThat(half[1] / half[0]).isCloseTo(2.0, within(1e-12));
    }

    @Test
    void perSampleFollowsTheLabels() {
        int[] y = {0, 1, 1, 2, 2, 2};
        float[] w = ClassWeights.perSample(y, 3, 1);
        // n = 6, K = 3: 6/(3·1) = 2, 6/(3·2) = 1, 6/(3·3) = 2/3
        assertThat(w).containsExactly(2f, 1f, 1f, 2f / 3, 2f / 3, 2f / 3);
    }

    @Test
    void refusesAPowerOutsideZeroToOneAndAnEmptyClass() {
        assertThatThrownBy(() -> ClassWeights.perClass(COUNT, 1.5)).hasMessageContaining("[0, 1], got 1.5");
        assertThatThrownBy(() -> ClassWeights.perClass(COUNT, Double.NaN)).hasMessageContaining("got NaN");
        assertThatThrownBy(() -> ClassWeights.perClass(new int[] {3, 0}, 0.5))
                .hasMessageContaining("class index 1 has no scribbled pixels");
    }
}
