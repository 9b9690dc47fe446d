package io.jvit.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the reference the fused backward is tested against: {@link NaiveAttention#backward} equals central finite
 * differences of a double-precision forward written here from the definition, for q, k, v, the ALiBi slopes and lse.
 * The loss is L = Σ out ∘ G for a fixed random G, so ∂L/∂out = G.
 */
class FusedAttentionBackwardReferenceTest {

    /** out = softmax(q·kᵀ/√d + slope_h·M)·v in double, (B, N, H, d) arrays; M from the bias's rows; lse per (b, h, i). */
    static double[] forward(
            double[] q, double[] k, double[] v, double[] slopes, AttentionShape s, AttentionBias bias, double[] lse) {
        int n = s.tokens(), d = s.headDim(), hs = s.heads(), w = s.width();
        double[] out = new double[s.batch() * n * w];
        float[] mRow = new float[n];
        for (int b = 0; b < s.batch(); b++)
            for (int h = 0; h < hs; h++)
                for (int i = 0; i < n; i++) {
                    if (bias instanceof AttentionBias.Alibi a) a.row(a.extendedRows(), i, mRow, 0, n);
                    double[] logit = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++)
                            dot += q[(b * n + i) * w + h * d + c] * k[(b * n + j) * w + h * d + c];
                        logit[j] = dot / Math.sqrt(d) + (bias instanceof AttentionBias.Alibi ? slopes[h] * mRow[j] : 0);
                        max = Math.max(max, logit[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) sum += Math.exp(logit[j] - max);
                    if (lse != null) lse[(b * hs + h) * n + i] = max + Math.log(sum);
                    for (int j = 0; j < n; j++)
                        for (int c = 0; c < d; c++)
                            out[(b * n + i) * w + h * d + c] +=
                                    Math.exp(logit[j] - max) / sum * v[(b * n + j) * w + h * d + c];
                }
        return out;
    }

    static double loss(
            double[] q, double[] k, double[] v, double[] slopes, AttentionShape s, AttentionBias bias, double[] g) {
        double[] out = forward(q, k, v, slopes, s, bias, null);
        double l = 0;
        for (int i = 0; i < out.length; i++) l += out[i] * g[i];
        return l;
    }

    /** ∂L/∂x[i] by central differences, x perturbed in place and restored. */
    static double[] numeric(double[] x, java.util.function.DoubleSupplier loss) {
        double eps = 1e-5;
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double x0 = x[i];
            x[i] = x0 + eps;
            double up = loss.getAsDouble();
            x[i] = x0 - eps;
            double down = loss.getAsDouble();
            x[i] = x0;
            grad[i] = (up - down) / (2 * eps);
        }
        return grad;
    }

    static double relError(float[] got, double[] ref) {
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
        }
        return maxDiff / maxRef;
    }

    static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i];
        return y;
    }

    /** Two images, 2 + 2×3 tokens (prefix first), 2 heads of 3 channels: every kind of bias, with learned slopes. */
    @ParameterizedTest
    @ValueSource(strings = {"none", "alibi", "alibi-open"})
    void theReferenceBackwardEqualsFiniteDifferences(String mode) {
        int batch = 2, prefix = 2, gh = 2, gw = 3, n = prefix + gh * gw, heads = 2, d = 3, w = heads * d;
        AttentionShape s = new AttentionShape(batch, n, heads, d);
        Random r = new Random(7);
        float[] qf = new float[batch * n * w],
                kf = new float[qf.length],
                vf = new float[qf.length],
                gf = new float[qf.length];
        for (float[] x : new float[][] {qf, kf, vf, gf})
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] slopesF = {0.7f, -0.4f};
        AttentionBias bias = switch (mode) {
            case "alibi" -> AttentionBias.Alibi.of(Alibi2d.paperDefault(), gh, gw, prefix, slopesF);
            case "alibi-open" ->
                AttentionBias.Alibi.of(
                        new Alibi2d(AlibiDistance.Metric.MANHATTAN, false, true, AlibiSlopes.FIXED),
                        gh,
                        gw,
                        prefix,
                        slopesF);
            default -> new AttentionBias.None();
        };
        double[] q = toDouble(qf), k = toDouble(kf), v = toDouble(vf), g = toDouble(gf), slopes = toDouble(slopesF);

        float[] dq = new float[qf.length],
                dk = new float[qf.length],
                dv = new float[qf.length],
                dSlopes = {0.5f, 0.25f};
        float[] lse = new float[batch * heads * n];
        NaiveAttention.backward(
                Strided.of(qf, w),
                Strided.of(kf, w),
                Strided.of(vf, w),
                Strided.of(gf, w),
                Strided.of(dq, w),
                Strided.of(dk, w),
                Strided.of(dv, w),
                dSlopes,
                lse,
                s,
                bias);

        java.util.function.DoubleSupplier l = () -> loss(q, k, v, slopes, s, bias, g);
        assertThat(relError(dq, numeric(q, l))).as("dq").isLessThan(1e-6);
        assertThat(relError(dk, numeric(k, l))).as("dk").isLessThan(1e-6);
        assertThat(relError(dv, numeric(v, l))).as("dv").isLessThan(1e-6);
        double[] gSlopes = numeric(slopes, l);
        if (bias instanceof AttentionBias.Alibi) {
            assertThat(Math.abs(gSlopes[0]) + Math.abs(gSlopes[1]))
                    .as("the slopes matter")
                    .isGreaterThan(1e-3);
            assertThat(dSlopes[0] - 0.5)
                    .as("dSlopes[0], added to what was there")
                    .isCloseTo(gSlopes[0], org.assertj.core.data.Offset.offset(1e-5));
            assertThat(dSlopes[1] - 0.25)
                    .as("dSlopes[1]")
                    .isCloseTo(gSlopes[1], org.assertj.core.data.Offset.offset(1e-5));
        } else {
            assertThat(dSlopes)
                    .as("no ALiBi: the slopes' gradients are left alone")
                    .containsExactly(0.5f, 0.25f);
        }
        double[] lseRef = new double[lse.length];
        forward(q, k, v, slopes, s, bias, lseRef);
        assertThat(relError(lse, lseRef)).as("lse").isLessThan(1e-6);
    }
}
