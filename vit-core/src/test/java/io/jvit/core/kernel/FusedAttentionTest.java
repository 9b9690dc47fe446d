package io.jvit.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.Rope2d;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FusedAttentionTest {

    /** Packed qkv (B·N, 3·H·d) as a linear layer writes it, with values of a trained model's size. */
    static float[] qkv(int b, int n, int width, long seed) {
        Random r = new Random(seed);
        float[] x = new float[b * n * 3 * width];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2.0 * r.nextGaussian());
        return x;
    }

    static double relError(float[] got, float[] ref) {
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
        }
        return maxDiff / maxRef;
    }

    /** bias: none, alibi (constant slope 1), alibi-fixed (per-head schedule), rope (q, k rotated, no bias). */
    @ParameterizedTest(name = "{0}: B={1} grid {2}x{3} + {4} prefix, H={5}, d={6}")
    @CsvSource({
        "none,   1, 16, 16, 1, 6, 64", // N = 257
        "alibi,  2, 16, 16, 5, 6, 64", // N = 261, two images
        "alibi,  1, 7, 9, 0, 2, 64", // N = 63: below one query block and one key block, odd
        "alibi,  1, 3, 5, 5, 3, 24", // N = 20, d not a multiple of 16
        "alibi-fixed, 1, 13, 11, 1, 4, 32", // N = 144, odd grid
        "none,   1, 1, 1, 0, 1, 8", // N = 1
        "rope,   2, 10, 12, 5, 2, 16", // N = 125
        "alibi,  1, 37, 37, 5, 2, 64", // N = 1374, the paper's 518² grid
        "alibi-open, 1, 20, 23, 1, 2, 64", // N = 461: Manhattan, no wrap, grid rows crossing key blocks, 3 query blocks
        "alibi-open, 1, 3, 150, 1, 2, 32", // N = 451: grid rows longer than a key block
    })
    void vectorAndScalarEqualTheNaiveReference(String mode, int batch, int gh, int gw, int prefix, int heads, int d) {
        int n = prefix + gh * gw, width = heads * d;
        AttentionShape s = new AttentionShape(batch, n, heads, d);
        float[] x = qkv(batch, n, width, 42);
        Strided q = new Strided(x, 0, 3 * width),
                k = new Strided(x, width, 3 * width),
                v = new Strided(x, 2 * width, 3 * width);
        AttentionBias bias = new AttentionBias.None();
        if (mode.startsWith("alibi")) {
            float[] slopes = new float[heads];
            double[] fixed = AlibiSlopes.FIXED.values(heads);
            for (int h = 0; h < heads; h++) slopes[h] = mode.equals("alibi") ? 1f : (float) fixed[h] * 8f;
            Alibi2d pe = mode.equals("alibi-open")
                    ? new Alibi2d(AlibiDistance.Metric.MANHATTAN, false, true, AlibiSlopes.FIXED)
                    : Alibi2d.paperDefault();
            bias = AttentionBias.Alibi.of(pe, gh, gw, prefix, slopes);
        } else if (mode.equals("rope")) {
            var t = new Rope2d(100).ropeTables(gh, gw, d);
            Rope.apply(q, s, prefix, t);
            Rope.apply(k, s, prefix, t);
        }
        float[] ref = new float[batch * n * width];
        NaiveAttention.forward(q, k, v, Strided.of(ref, width), s, bias);
        float[] scalar = new float[ref.length];
        FusedAttention.forward(q, k, v, Strided.of(scalar, width), s, bias, 2, FusedAttention.Impl.SCALAR);
        assertThat(relError(scalar, ref)).as("scalar").isLessThan(1e-5);
        if (FusedAttention.vectorized()) {
            float[] vec = new float[ref.length];
            FusedAttention.forward(q, k, v, Strided.of(vec, width), s, bias, 3, FusedAttention.Impl.VECTOR);
            assertThat(relError(vec, ref)).as("vector").isLessThan(1e-5);
        }
    }

    /** Grids too large for the per-column M table read the extended rows a grid row of keys at a time: same answers. */
    @ParameterizedTest(name = "{0}: grid {1}x{2} + {3} prefix")
    @CsvSource({"alibi, 37, 37, 5", "alibi-open, 20, 23, 1", "alibi-open, 3, 150, 1", "alibi-fixed, 13, 11, 1"})
    void theExtendedRowsPathEqualsTheNaiveReference(String mode, int gh, int gw, int prefix) {
        long saved = AttentionBias.Alibi.columnRowsLimit;
        AttentionBias.Alibi.columnRowsLimit = 0;
        try {
            vectorAndScalarEqualTheNaiveReference(mode, 1, gh, gw, prefix, 2, 64);
        } finally {
            AttentionBias.Alibi.columnRowsLimit = saved;
        }
    }

    @Test
    void theVectorKernelIsTheOneInUseUnderMaven() {
        // surefire runs with --add-modules jdk.incubator.vector: the fast path must not silently fall back
        assertThat(FusedAttention.vectorized()).isTrue();
        assertThat(FusedAttention.lanes()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void alibiBiasRowsEqualTheFullMatrix() {
        Alibi2d pe = Alibi2d.paperDefault();
        var a = AttentionBias.Alibi.of(pe, 5, 7, 2, new float[] {1f});
        float[] m = pe.matrix(5, 7, 2), row = new float[37];
        float[] ext = a.extendedRows();
        for (int i = 0; i < 37; i++) {
            a.row(ext, i, row, 0, 37);
            for (int j = 0; j < 37; j++) assertThat(row[j]).isEqualTo(m[i * 37 + j]);
        }
    }

    @Test
    void expIsAccurate() {
        if (!FusedAttention.vectorized()) return;
        var f = VectorAttention.F;
        float[] xs = new float[f.length()];
        double worst = 0;
        for (double x0 = -87; x0 <= 0; x0 += 0.0137 * f.length()) {
            for (int i = 0; i < xs.length; i++) xs[i] = (float) (x0 + 0.0137 * i);
            float[] e = new float[xs.length];
            VectorAttention.exp(jdk.incubator.vector.FloatVector.fromArray(f, xs, 0))
                    .intoArray(e, 0);
            for (int i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(e[i] / Math.exp(xs[i]) - 1));
        }
        assertThat(worst).isLessThan(3e-7);
    }

    /** The softmax's exp2 (base-2 scores) against Math.pow over [−126, 0], at every integer and half-integer too. */
    @Test
    void exp2IsAccurate() {
        if (!FusedAttention.vectorized()) return;
        var f = VectorAttention.F;
        float[] xs = new float[f.length()], e = new float[f.length()];
        double worst = 0;
        for (double x0 = -126; x0 <= 0; x0 += 0.00731 * f.length()) {
            for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.min(0, x0 + 0.00731 * i);
            if (x0 < -125) xs[0] = -126f;
            xs[1] = (float) Math.rint(x0); // integers and halves: the ends of r's range
            xs[2] = (float) (Math.rint(x0) + 0.5);
            if (xs[2] > 0) xs[2] = -0.5f;
            VectorAttention.exp2(jdk.incubator.vector.FloatVector.fromArray(f, xs, 0))
                    .intoArray(e, 0);
            for (int i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(e[i] / Math.pow(2, xs[i]) - 1));
        }
        assertThat(worst).isLessThan(3e-7);
    }

    /**
     * One workspace through calls that shrink and grow N, change d (padded channels) and the grid: the buffers left
     * holding a larger call's data give the answers of fresh ones, and the ALiBi tables are rebuilt only for a new grid.
     */
    @Test
    void aReusedWorkspaceGivesTheAnswersOfAFreshOne() {
        AttentionWorkspace ws = new AttentionWorkspace();
        int[][] calls = {{20, 20, 1, 64}, {7, 9, 0, 64}, {16, 16, 5, 20}, {20, 20, 1, 64}, {3, 5, 5, 24}
        }; // grid h, w, prefix, d
        for (int[] c : calls) {
            int n = c[2] + c[0] * c[1], heads = 2, width = heads * c[3];
            AttentionShape s = new AttentionShape(1, n, heads, c[3]);
            float[] x = qkv(1, n, width, n);
            Strided q = new Strided(x, 0, 3 * width),
                    k = new Strided(x, width, 3 * width),
                    v = new Strided(x, 2 * width, 3 * width);
            for (FusedAttention.Impl impl : FusedAttention.vectorized()
                    ? new FusedAttention.Impl[] {FusedAttention.Impl.VECTOR, FusedAttention.Impl.SCALAR}
                    : new FusedAttention.Impl[] {FusedAttention.Impl.SCALAR}) {
                var bias = AttentionBias.Alibi.of(Alibi2d.paperDefault(), c[0], c[1], c[2], new float[] {1f, 0.25f});
                float[] fresh = new float[n * width], reused = new float[n * width];
                FusedAttention.forward(q, k, v, Strided.of(fresh, width), s, bias, 1, impl);
                FusedAttention.forward(q, k, v, Strided.of(reused, width), s, bias, 2, impl, ws);
                assertThat(reused)
                        .as("grid %dx%d + %d, d = %d, %s", c[0], c[1], c[2], c[3], impl)
                        .containsExactly(fresh);
            }
        }
        var a = AttentionBias.Alibi.of(Alibi2d.paperDefault(), 9, 11, 1, new float[] {1f});
        var sameGridOtherSlopes = AttentionBias.Alibi.of(Alibi2d.paperDefault(), 9, 11, 1, new float[] {0.5f});
        var otherGrid = AttentionBias.Alibi.of(Alibi2d.paperDefault(), 11, 9, 1, new float[] {1f});
        float[] cols = ws.columnRows(a);
        assertThat(cols).containsExactly(a.columnRows());
        assertThat(ws.columnRows(sameGridOtherSlopes)).isSameAs(cols);
        assertThat(ws.columnRows(otherGrid)).isNotSameAs(cols).containsExactly(otherGrid.columnRows());
        assertThat(ws.extendedRows(otherGrid))
                .containsExactly(otherGrid.extendedRows())
                .isSameAs(ws.extendedRows(otherGrid));
    }

    @Test
    void badInputFailsClearly() {
        AttentionShape s = new AttentionShape(1, 10, 2, 8);
        float[] x = new float[10 * 16], o = new float[10 * 16];
        Strided in = Strided.of(x, 16), out = Strided.of(o, 16);
        assertThatThrownBy(() -> FusedAttention.forward(
                        in, Strided.of(new float[9 * 16], 16), in, out, s, new AttentionBias.None(), 1))
                .hasMessageContaining("k: 144 floats cannot hold 1 × 10 tokens × 16 channels");
        assertThatThrownBy(
                        () -> FusedAttention.forward(in, new Strided(x, 0, 8), in, out, s, new AttentionBias.None(), 1))
                .hasMessageContaining("k: row stride 8 is less than heads × head dim = 16");
        var grid = AttentionBias.Alibi.of(Alibi2d.paperDefault(), 3, 3, 0, new float[] {1, 1});
        assertThatThrownBy(() -> FusedAttention.forward(in, in, in, out, s, grid, 1))
                .hasMessageContaining("the ALiBi grid 3×3 + 0 prefix tokens = 9 tokens does not match N = 10");
        var slopes = AttentionBias.Alibi.of(Alibi2d.paperDefault(), 3, 3, 1, new float[] {1});
        assertThatThrownBy(() -> FusedAttention.forward(in, in, in, out, s, slopes, 1))
                .hasMessageContaining("1 ALiBi slopes for 2 heads");
        assertThatThrownBy(() -> FusedAttention.forward(in, in, in, out, s, new AttentionBias.None(), 0))
                .hasMessageContaining("thread count must be >= 1, got 0");
        assertThatThrownBy(() -> new AttentionShape(1, 0, 2, 8)).hasMessageContaining("must be positive");
    }
}
