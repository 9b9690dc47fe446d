package io.jvit.core.kernel;

import static io.jvit.core.kernel.FusedAttentionTest.qkv;
import static io.jvit.core.kernel.FusedAttentionTest.relError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.Rope2d;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fused backward pass (vector and scalar) and the forward's lse against {@link NaiveAttention}, proven by finite differences. */
class FusedAttentionBackwardTest {

    /** One attention call: packed qkv, dOut, the bias; {@code learned}: the slopes' gradients are asked for. */
    record Case(AttentionShape s, Strided q, Strided k, Strided v, Strided dOut, AttentionBias bias, boolean learned) {
        int width() {
            return s.width();
        }

        int size() {
            return s.batch() * s.tokens() * s.width();
        }
    }

    /**
     * bias: none, alibi (constant slope 1), alibi-fixed (per-head schedule), alibi-open (Manhattan, no wrap),
     * learned (the per-head schedule with one slope 0, dSlopes asked for), rope (q, k rotated, no bias).
     */
    static Case makeCase(String mode, int batch, int gh, int gw, int prefix, int heads, int d, long seed) {
        int n = prefix + gh * gw, width = heads * d;
        AttentionShape s = new AttentionShape(batch, n, heads, d);
        float[] x = qkv(batch, n, width, seed);
        Strided q = new Strided(x, 0, 3 * width),
                k = new Strided(x, width, 3 * width),
                v = new Strided(x, 2 * width, 3 * width);
        Random r = new Random(seed + 1);
        float[] g = new float[batch * n * width];
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        AttentionBias bias = new AttentionBias.None();
        if (mode.startsWith("alibi") || mode.equals("learned")) {
            float[] slopes = new float[heads];
            double[] fixed = AlibiSlopes.FIXED.values(heads);
            for (int h = 0; h < heads; h++) slopes[h] = mode.equals("alibi") ? 1f : (float) fixed[h] * 8f;
            if (mode.equals("learned"))
                slopes[heads - 1] = 0f; // a learned slope may pass through 0: its gradient is still wanted
            Alibi2d pe = mode.equals("alibi-open")
                    ? new Alibi2d(AlibiDistance.Metric.MANHATTAN, false, true, AlibiSlopes.FIXED)
                    : Alibi2d.paperDefault();
            bias = AttentionBias.Alibi.of(pe, gh, gw, prefix, slopes);
        } else if (mode.equals("rope")) {
            var t = new Rope2d(100).ropeTables(gh, gw, d);
            Rope.apply(q, s, prefix, t);
            Rope.apply(k, s, prefix, t);
        }
        return new Case(s, q, k, v, Strided.of(g, width), bias, mode.equals("learned"));
    }

    /** dq, dk, dv (B·N·H·d each) and dSlopes (H) of one backward pass. */
    record Grads(float[] dq, float[] dk, float[] dv, float[] dSlopes) {}

    static Grads reference(Case c) {
        int size = c.size(), w = c.width();
        Grads g = new Grads(new float[size], new float[size], new float[size], new float[c.s().heads()]);
        NaiveAttention.backward(
                c.q(),
                c.k(),
                c.v(),
                c.dOut(),
                Strided.of(g.dq(), w),
                Strided.of(g.dk(), w),
                Strided.of(g.dv(), w),
                g.dSlopes(),
                null,
                c.s(),
                c.bias());
        return g;
    }

    /** The fused forward for training, then the fused backward, both with {@code impl}, on {@code threads} threads. */
    static Grads fused(Case c, FusedAttention.Impl impl, int threads) {
        int size = c.size(), w = c.width();
        float[] out = new float[size], lse = new float[c.s().batch() * c.s().heads() * c.s().tokens()];
        var ws = new AttentionWorkspace();
        FusedAttention.forwardForTraining(
                c.q(), c.k(), c.v(), Strided.of(out, w), lse, c.s(), c.bias(), threads, impl, ws);
        Grads g = new Grads(
                new float[size], new float[size], new float[size], c.learned() ? new float[c.s().heads()] : null);
        FusedAttention.backward(
                c.q(),
                c.k(),
                c.v(),
                Strided.of(out, w),
                lse,
                c.dOut(),
                Strided.of(g.dq(), w),
                Strided.of(g.dk(), w),
                Strided.of(g.dv(), w),
                g.dSlopes(),
                c.s(),
                c.bias(),
                threads,
                impl,
                ws);
        return g;
    }

    static List<FusedAttention.Impl> impls() {
        List<FusedAttention.Impl> l = new ArrayList<>(List.of(FusedAttention.Impl.SCALAR));
        if (FusedAttention.vectorized()) l.add(0, FusedAttention.Impl.VECTOR);
        return l;
    }

    static double maxAbs(float[] x) {
        double m = 0;
        for (float f : x) m = Math.max(m, Math.abs(f));
        return m;
    }

    /** Max abs diff / max abs ref; where ref is all 0 (dq and dk at N = 1: one key, P = 1, dS = 0), / the fallback scale. */
    static double error(float[] got, float[] ref, double fallback) {
        double m = maxAbs(ref);
        return m > 0 ? relError(got, ref) : maxAbs(got) / fallback;
    }

    /** Measured errors are 0.3–4e-6 (float sums of N terms against the double reference): 2e-5 leaves a 5× margin. */
    static void assertMatchesReference(Case c, int threads) {
        Grads ref = reference(c);
        for (FusedAttention.Impl impl : impls()) {
            Grads got = fused(c, impl, threads);
            double scale = maxAbs(ref.dv());
            assertThat(error(got.dq(), ref.dq(), scale)).as("%s dq", impl).isLessThan(2e-5);
            assertThat(error(got.dk(), ref.dk(), scale)).as("%s dk", impl).isLessThan(2e-5);
            assertThat(relError(got.dv(), ref.dv())).as("%s dv", impl).isLessThan(2e-5);
            if (c.learned())
                assertThat(relError(got.dSlopes(), ref.dSlopes()))
                        .as("%s dSlopes", impl)
                        .isLessThan(2e-5);
        }
    }

    @ParameterizedTest(name = "{0}: B={1} grid {2}x{3} + {4} prefix, H={5}, d={6}")
    @CsvSource({
        "none,        2, 1, 1, 0, 2, 24", // N = 1
        "none,        1, 4, 5, 0, 3, 24", // N = 20, d not a multiple of 16
        "alibi,       2, 3, 5, 5, 2, 24", // N = 20 with 5 prefix tokens, two images
        "alibi,       1, 7, 9, 0, 2, 64", // N = 63: below one query block and one key block, odd
        "alibi-fixed, 2, 16, 16, 5, 2, 24", // N = 261 = 2·128 + 5 = 5·48 + 21: partial key and query blocks
        "alibi-open,  1, 20, 23, 1, 2, 32", // N = 461: Manhattan, no wrap, grid rows crossing key blocks
        "alibi-open,  1, 3, 150, 1, 1, 16", // N = 451: grid rows longer than a key block, one vector of channels
        "learned,     2, 16, 16, 5, 2, 24", // N = 261, dSlopes (one slope 0)
        "learned,     1, 4, 4, 4, 3, 8", // N = 20, d = 8: less than one vector of channels
        "learned,     4, 16, 16, 5, 8, 8", // N = 261, B·H = 32: one task per (image, head) through 3 key blocks
        "rope,        2, 10, 12, 5, 2, 16", // N = 125
        "rope,        1, 16, 16, 5, 2, 24", // N = 261
    })
    void vectorAndScalarBackwardEqualTheReference(
            String mode, int batch, int gh, int gw, int prefix, int heads, int d) {
        assertMatchesReference(makeCase(mode, batch, gh, gw, prefix, heads, d, 42), 2);
    }

    /** Grids too large for the per-column M table read the extended rows: the backward does too, with the same answers. */
    @ParameterizedTest(name = "{0}: grid {1}x{2} + {3} prefix")
    @CsvSource({"learned, 16, 16, 5", "alibi-open, 3, 150, 1", "alibi-fixed, 7, 9, 0"})
    void theExtendedRowsPathEqualsTheReference(String mode, int gh, int gw, int prefix) {
        long saved = AttentionBias.Alibi.columnRowsLimit;
        AttentionBias.Alibi.columnRowsLimit = 0;
        try {
            assertMatchesReference(makeCase(mode, 1, gh, gw, prefix, 2, 24, 5), 1);
        } finally {
            AttentionBias.Alibi.columnRowsLimit = saved;
        }
    }

    /** lse from the fused forward for training against the reference's; the output is the plain forward's, bit for bit. */
    @ParameterizedTest(name = "{0}: grid {1}x{2} + {3} prefix, d={4}")
    @CsvSource({"alibi, 16, 16, 5, 24", "none, 1, 1, 0, 64", "alibi-open, 10, 23, 1, 32", "rope, 10, 12, 5, 16"})
    void forwardForTrainingWritesTheLogSumExp(String mode, int gh, int gw, int prefix, int d) {
        Case c = makeCase(mode, 2, gh, gw, prefix, 2, d, 3);
        int w = c.width(), size = c.size(), rows = c.s().batch() * c.s().heads() * c.s().tokens();
        float[] ref = new float[rows], scratch = new float[size];
        NaiveAttention.backward(
                c.q(),
                c.k(),
                c.v(),
                c.dOut(),
                Strided.of(scratch, w),
                Strided.of(scratch, w),
                Strided.of(scratch, w),
                null,
                ref,
                c.s(),
                c.bias());
        for (FusedAttention.Impl impl : impls()) {
            float[] lse = new float[rows + 3], out = new float[size], plain = new float[size];
            Arrays.fill(lse, Float.NaN);
            FusedAttention.forwardForTraining(
                    c.q(), c.k(), c.v(), Strided.of(out, w), lse, c.s(), c.bias(), 2, impl, new AttentionWorkspace());
            assertThat(relError(Arrays.copyOf(lse, rows), ref))
                    .as("%s lse", impl)
                    .isLessThan(1e-6);
            assertThat(Arrays.copyOfRange(lse, rows, rows + 3))
                    .as("past B·H·N: untouched")
                    .containsOnly(Float.NaN);
            FusedAttention.forward(c.q(), c.k(), c.v(), Strided.of(plain, w), c.s(), c.bias(), 2, impl);
            assertThat(out).as("%s out", impl).containsExactly(plain);
        }
    }

    /**
     * dq, dk, dv as the three views of one packed (B·N, 3·H·d) array, as the qkv layer's gradient, full of garbage
     * beforehand: the same values as separate fresh arrays, bit for bit; the slopes' gradients are added to what is there.
     */
    @Test
    void packedGradientViewsFullOfGarbageGiveTheSameResults() {
        Case c = makeCase("learned", 2, 16, 16, 5, 3, 24, 11); // 3 key blocks on 3 tasks per (image, head)
        int w = c.width(), n = c.s().tokens(), size = c.size();
        for (FusedAttention.Impl impl : impls()) {
            Grads fresh = fused(c, impl, 2);
            float[] out = new float[size], lse = new float[c.s().batch() * c.s().heads() * n];
            var ws = new AttentionWorkspace();
            FusedAttention.forwardForTraining(
                    c.q(), c.k(), c.v(), Strided.of(out, w), lse, c.s(), c.bias(), 2, impl, ws);
            float[] packed = new float[c.s().batch() * n * 3 * w];
            Random r = new Random(1);
            for (int i = 0; i < packed.length; i++)
                packed[i] = i % 7 == 0 ? Float.NaN : (float) r.nextGaussian() * 1e6f;
            float[] dSlopes = {1f, 2f, 3f};
            FusedAttention.backward(
                    c.q(),
                    c.k(),
                    c.v(),
                    Strided.of(out, w),
                    lse,
                    c.dOut(),
                    new Strided(packed, 0, 3 * w),
                    new Strided(packed, w, 3 * w),
                    new Strided(packed, 2 * w, 3 * w),
                    dSlopes,
                    c.s(),
                    c.bias(),
                    2,
                    impl,
                    ws);
            float[] dq = new float[size], dk = new float[size], dv = new float[size];
            for (int row = 0; row < c.s().batch() * n; row++) {
                System.arraycopy(packed, row * 3 * w, dq, row * w, w);
                System.arraycopy(packed, row * 3 * w + w, dk, row * w, w);
                System.arraycopy(packed, row * 3 * w + 2 * w, dv, row * w, w);
            }
            assertThat(dq).as("%s dq", impl).containsExactly(fresh.dq());
            assertThat(dk).as("%s dk", impl).containsExactly(fresh.dk());
            assertThat(dv).as("%s dv", impl).containsExactly(fresh.dv());
            for (int h = 0; h < 3; h++)
                assertThat(dSlopes[h]).as("%s dSlopes[%d]", impl, h).isEqualTo(h + 1 + fresh.dSlopes()[h]);
        }
    }

    /**
     * Two runs are bit-identical, and so are runs on 1, 2, 3 and 7 threads: the split into tasks depends on the shape
     * alone, and every sum has a fixed order. Both splits: B·H = 6 (each (image, head)'s 3 key blocks on 3 tasks) and
     * B·H = 32 (one task each, through 2 key blocks).
     */
    @ParameterizedTest(name = "B={0}, H={1}, grid {3}x{4} + 5")
    @CsvSource({"2, 3, 24, 16, 16, 3", "4, 8, 8, 9, 14, 1"})
    void resultsAreBitIdenticalForAnyThreadCount(int batch, int heads, int d, int gh, int gw, int tasksPerHead) {
        Case c = makeCase("learned", batch, gh, gw, 5, heads, d, 13);
        assertThat(VectorAttentionBackward.tasksPerHead(c.s()))
                .as("tasks per (image, head)")
                .isEqualTo(tasksPerHead);
        for (FusedAttention.Impl impl : impls()) {
            Grads one = fused(c, impl, 1);
            for (int threads : new int[] {1, 2, 3, 7}) {
                Grads other = fused(c, impl, threads);
                assertThat(other.dq()).as("%s dq, %d threads", impl, threads).containsExactly(one.dq());
                assertThat(other.dk()).as("%s dk, %d threads", impl, threads).containsExactly(one.dk());
                assertThat(other.dv()).as("%s dv, %d threads", impl, threads).containsExactly(one.dv());
                assertThat(other.dSlopes())
                        .as("%s dSlopes, %d threads", impl, threads)
                        .containsExactly(one.dSlopes());
            }
        }
    }

    /**
     * One workspace through backward calls that keep or change N, d, the grid and the implementation, its per-worker
     * scratch left holding an earlier call's data: the results of a fresh workspace, bit for bit.
     */
    @Test
    void aReusedWorkspaceGivesTheAnswersOfAFreshOne() {
        var ws = new AttentionWorkspace();
        String[] modes = {"learned", "alibi", "alibi", "none", "rope"};
        int[][] calls = {{16, 16, 5, 24}, {16, 16, 5, 24}, {7, 9, 0, 64}, {3, 5, 5, 24}, {4, 5, 0, 8}
        }; // grid h, w, prefix, d
        for (FusedAttention.Impl impl : impls()) // the scratch's kind changes between the two
        for (int i = 0; i < calls.length; i++) {
                int[] c = calls[i];
                Case cs = makeCase(modes[i], 2, c[0], c[1], c[2], 2, c[3], i);
                int w = cs.width(), size = cs.size();
                Grads fresh = fused(cs, impl, 2);
                float[] out = new float[size],
                        lse = new float[cs.s().batch() * cs.s().heads() * cs.s().tokens()];
                FusedAttention.forwardForTraining(
                        cs.q(), cs.k(), cs.v(), Strided.of(out, w), lse, cs.s(), cs.bias(), 2, impl, ws);
                Grads reused = new Grads(
                        new float[size], new float[size], new float[size], cs.learned() ? new float[2] : null);
                FusedAttention.backward(
                        cs.q(),
                        cs.k(),
                        cs.v(),
                        Strided.of(out, w),
                        lse,
                        cs.dOut(),
                        Strided.of(reused.dq(), w),
                        Strided.of(reused.dk(), w),
                        Strided.of(reused.dv(), w),
                        reused.dSlopes(),
                        cs.s(),
                        cs.bias(),
                        2,
                        impl,
                        ws);
                String as = modes[i] + " " + Arrays.toString(c) + " " + impl;
                assertThat(reused.dq()).as(as).containsExactly(fresh.dq());
                assertThat(reused.dk()).as(as).containsExactly(fresh.dk());
                assertThat(reused.dv()).as(as).containsExactly(fresh.dv());
                if (cs.learned()) assertThat(reused.dSlopes()).as(as).containsExactly(fresh.dSlopes());
            }
    }

    @Test
    void badInputFailsClearly() {
        AttentionShape s = new AttentionShape(1, 10, 2, 8);
        float[] x = new float[10 * 16], lse = new float[20];
        Strided in = Strided.of(x, 16), small = Strided.of(new float[9 * 16], 16);
        var none = new AttentionBias.None();
        var ws = new AttentionWorkspace();
        assertThatThrownBy(() -> FusedAttention.backward(in, in, in, in, lse, in, in, in, in, null, s, none, 0, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("thread count must be >= 1, got 0");
        assertThatThrownBy(() -> FusedAttention.backward(in, in, in, in, lse, in, in, small, in, null, s, none, 1, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dk: 144 floats cannot hold 1 × 10 tokens × 16 channels");
        assertThatThrownBy(() -> FusedAttention.backward(in, in, in, in, lse, small, in, in, in, null, s, none, 1, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dOut: 144 floats");
        assertThatThrownBy(() ->
                        FusedAttention.backward(in, in, in, in, new float[19], in, in, in, in, null, s, none, 1, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lse holds 19 floats, needs B·H·N = 20");
        var alibi = AttentionBias.Alibi.of(Alibi2d.paperDefault(), 3, 3, 1, new float[] {1, 1});
        assertThatThrownBy(() ->
                        FusedAttention.backward(in, in, in, in, lse, in, in, in, in, new float[1], s, alibi, 1, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dSlopes holds 1 floats, needs one per head: 2");
        assertThatThrownBy(() -> FusedAttention.forwardForTraining(in, in, in, in, new float[3], s, none, 1, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lse holds 3 floats, needs B·H·N = 20");
        assertThatThrownBy(() -> FusedAttention.forwardForTraining(in, in, in, small, lse, s, none, 1, ws))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out: 144 floats");
    }
}
