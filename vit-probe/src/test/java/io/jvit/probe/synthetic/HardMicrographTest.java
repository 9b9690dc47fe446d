package io.jvit.probe.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HardMicrographTest {

    @Test
    void seededThreePhasesWithASmallMinority() {
        var a = HardMicrograph.generate(256, 320, 5);
        var b = HardMicrograph.generate(256, 320, 5);
        var c = HardMicrograph.generate(256, 320, 6);
        assertThat(a.image().pixels()).isEqualTo(b.image().pixels());
        assertThat(a.truth()).isEqualTo(b.truth());
        assertThat(a.scribbles()).isEqualTo(b.scribbles());
        assertThat(a.image().pixels()).isNotEqualTo(c.image().pixels());
        assertThat(a.height()).isEqualTo(256);
        assertThat(a.width()).isEqualTo(320);
        int n = 256 * 320;
        long[] count = new long[4];
        for (int t : a.truth()) count[t]++;
        assertThat(count[0]).isZero();
        assertThat(count[3] / (double) n).as("minority fraction").isBetween(0.02, 0.05);
        assertThat(count[1] / (double) n).isBetween(0.35, 0.55);
        assertThat(count[2] / (double) n).isBetween(0.35, 0.55);
        for (float v : a.image().pixels()) assertThat(v).isBetween(0f, 1f);
    }

    @Test
    void scribblesAreFewCorrectCornerBiasedAndCoverEveryClass() {
        for (long seed = 0; seed < 4; seed++) {
            var s = HardMicrograph.generate(384, 384, seed);
            int h = s.height(), w = s.width();
            long[] per = new long[4];
            long corner = 0, total = 0;
            for (int i = 0; i < h * w; i++) {
                int v = s.scribbles()[i];
                if (v == 0) continue;
                assertThat(v).as("a scribble agrees with the truth").isEqualTo(s.truth()[i]);
                per[v]++;
                total++;
                if (i / w < h / 3 && i % w < w / 3) corner++;
            }
            for (int k = 1; k <= 3; k++)
                assertThat(per[k]).as("class %d scribbled (seed %d)", k, seed).isPositive();
            assertThat(per[3]).as("the minority has few scribbled pixels").isLessThan(200);
            assertThat(total).as("scribbles are sparse").isLessThan(h * w / 50);
            assertThat(corner / (double) total)
                    .as("the top-left ninth is over-represented")
                    .isGreaterThan(0.25);
        }
    }

    @Test
    void unevenIlluminationAndNoise() {
        var s = HardMicrograph.generate(300, 300, 1);
        double[] sum = new double[2];
        long[] cnt = new long[2];
        for (int y = 0; y < 300; y++)
            for (int x = 0; x < 300; x++) {
                int i = y * 300 + x;
                if (s.truth()[i] != 1) continue;
                int q = y < 100 && x < 100 ? 0 : y >= 200 && x >= 200 ? 1 : -1;
                if (q < 0) continue;
                sum[q] += s.image().pixels()[i];
                cnt[q]++;
            }
        assertThat(sum[1] / cnt[1])
                .as("the same phase is brighter at the far corner")
                .isGreaterThan(1.2 * sum[0] / cnt[0]);
    }

    @Test
    void refusesBadArguments() {
        assertThatThrownBy(() -> HardMicrograph.generate(10, 100, 0)).hasMessageContaining("32×32");
        assertThatThrownBy(() -> HardMicrograph.generate(100, 100, 2, 0)).hasMessageContaining("phases");
        var four = HardMicrograph.generate(128, 128, 4, 0);
        assertThat(java.util.Arrays.stream(four.truth()).max().getAsInt()).isEqualTo(4);
    }
}
