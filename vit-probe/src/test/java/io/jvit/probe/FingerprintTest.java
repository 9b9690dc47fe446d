package io.jvit.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FingerprintTest {

    /** h × w × c noise with {@code ramp} (lr position) written into channel {@code posChannel} (if ≥ 0). */
    static FeatureMap map(int h, int w, int c, int posChannel, long seed) {
        Random r = new Random(seed);
        float[] d = new float[h * w * c];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
                for (int ch = 0; ch < c; ch++)
                    d[(i * w + j) * c + ch] = ch == posChannel
                            ? (float) (3.0 * j / (w - 1) + 0.01 * r.nextGaussian())
                            : (float) r.nextGaussian();
        return new FeatureMap(d, h, w, c);
    }

    @Test
    void findsThePositionalChannelInTheLayersThatHaveIt() {
        BiasProbe probe = new BiasProbe(Ramp.LR, SampleMask.paper(), 3, 1.0, 11);
        var acc = new Fingerprint.Accumulator(probe, List.of("a", "b", "c"));
        for (int img = 0; img < 2; img++)
            acc.add(List.of(map(20, 24, 16, -1, img), map(20, 24, 16, 5, 10 + img), map(20, 24, 16, 9, 20 + img)));
        Fingerprint fp = acc.result();
        assertThat(fp.probes()).isEqualTo(6);
        assertThat(fp.topChannels(1, 1)).containsExactly(5);
        assertThat(fp.topChannels(2, 1)).containsExactly(9);
        assertThat(fp.r2()[1][5]).isGreaterThan(0.95);
        assertThat(fp.r2()[2][9]).isGreaterThan(0.95);
        for (int ch = 0; ch < 16; ch++) assertThat(fp.r2()[0][ch]).isLessThan(0.3);
    }

    @Test
    void cellsAreTheMeanOfPerChannelProbesWithTheBiasProbesMasks() {
        BiasProbe probe = new BiasProbe(Ramp.LR_UD, new SampleMask(true, 3, 1.0), 2, 1.0, 5);
        FeatureMap a = map(12, 15, 4, 1, 1), b = map(12, 15, 4, 2, 2);
        var acc = new Fingerprint.Accumulator(probe, List.of("only"));
        acc.add(List.of(a));
        acc.add(List.of(b));
        double expected = 0;
        FeatureMap[] imgs = {a, b};
        for (int i = 0; i < 2; i++)
            for (int r = 0; r < 2; r++) {
                long s = 5 + 1000L * i + r;
                int[] idx = probe.mask().indices(12, 15, false, s);
                double[][] t = Ramp.LR_UD.values(12, 15, s);
                expected += (LinearProbe.perChannelR2(imgs[i], idx, t, 1.0, 0)[3]
                                + LinearProbe.perChannelR2(imgs[i], idx, t, 1.0, 1)[3])
                        / 2;
            }
        assertThat(acc.result().r2()[0][3]).isCloseTo(expected / 4, within(1e-12));
    }
}
