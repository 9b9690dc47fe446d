package io.jvit.core.fast;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.core.pe.SinCos2d;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fast engine gives the same bits on 1, 2 and 3 threads: the element-wise passes split rows, never a row's sum. */
class FastViTThreadsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gelu-learned-resampled", "swiglu-sincos"})
    void sameBitsForEveryThreadCount(String kind) {
        boolean swiglu = kind.startsWith("swiglu");
        PositionalEncoding pe = swiglu ? new SinCos2d(10000) : LearnedAbsolute.dinov2(4);
        // 3 images of 11 × 9 patches after a CLS token and a register: 101 rows each, 303 in all (odd), split
        // 151/152 on two threads, so a split falls mid-image.
        ViTConfig cfg =
                new ViTConfig(4, 96, 2, 4, swiglu ? MlpKind.SWIGLU : MlpKind.GELU, 128, true, true, 1, 1e-6, true, pe);
        int batch = 3, h = 44, w = 36, rows = batch * (cfg.numPrefixTokens() + (h / 4) * (w / 4));
        assertThat(rows % 2).isOne();
        // every element-wise pass is large enough to run on all three threads
        assertThat((long) rows * cfg.embedDim()).isGreaterThanOrEqualTo(3L * FastViT.MIN_FLOATS_PER_THREAD);
        Map<String, float[]> weights = random(cfg, 11);
        float[] images = new float[batch * 3 * h * w];
        Random r = new Random(5);
        for (int i = 0; i < images.length; i++) images[i] = (float) r.nextGaussian();

        FastViT.Result one = new FastViT(cfg, weights, 1).run(images, batch, h, w, true);
        for (int threads : new int[] {2, 3}) {
            FastViT.Result many = new FastViT(cfg, weights, threads).run(images, batch, h, w, true);
            assertThat(bits(many.patchTokens()))
                    .as("patch tokens, %d threads", threads)
                    .isEqualTo(bits(one.patchTokens()));
            assertThat(bits(many.cls())).as("CLS, %d threads", threads).isEqualTo(bits(one.cls()));
            assertThat(bits(many.registers()))
                    .as("registers, %d threads", threads)
                    .isEqualTo(bits(one.registers()));
            assertThat(bits(many.preNorm())).as("pre-norm, %d threads", threads).isEqualTo(bits(one.preNorm()));
            for (int i = 0; i < cfg.depth(); i++)
                assertThat(bits(many.intermediates().get(i)))
                        .as("block %d, %d threads", i, threads)
                        .isEqualTo(bits(one.intermediates().get(i)));
        }
        assertThat(one.patchTokens()).doesNotContain(Float.NaN);
        assertThat(one.patchTokens()[0]).as("not a constant output").isNotEqualTo(one.patchTokens()[cfg.embedDim()]);
    }

    @org.junit.jupiter.api.Test
    void forRowsCoversEveryRowOnce() {
        for (int threads = 1; threads <= 4; threads++) {
            int rows = 1001;
            int[] seen = new int[rows];
            FastViT.forRows(rows, FastViT.MIN_FLOATS_PER_THREAD / 100, threads, (worker, from, to) -> {
                for (int i = from; i < to; i++) seen[i]++;
            });
            assertThat(seen).as("%d threads", threads).containsOnly(1);
        }
    }

    /** Seeded Gaussian weights of every expected shape (std 0.3, norms around 1, so no pass is an identity). */
    private static Map<String, float[]> random(ViTConfig cfg, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> m = new HashMap<>();
        List<String> names =
                ViTWeights.expectedShapes(cfg).keySet().stream().sorted().toList();
        for (String name : names) {
            long n = 1;
            for (long d : ViTWeights.expectedShapes(cfg).get(name)) n *= d;
            float[] a = new float[(int) n];
            boolean norm = name.contains("norm") && name.endsWith(".weight");
            for (int i = 0; i < a.length; i++) a[i] = (float) ((norm ? 1 : 0) + 0.3 * r.nextGaussian());
            m.put(name, a);
        }
        return m;
    }

    private static int[] bits(float[] a) {
        if (a == null) return null;
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return b;
    }
}
