package io.jvit.core.util;

/**
 * Separable 1-D resampling weights, computed exactly as PyTorch's {@code F.interpolate} does, as dense
 * (out × in) matrices: a resize is then one matrix product per axis, which also makes it differentiable
 * inside a SameDiff graph (the learned position embedding is resampled this way).
 *
 * <p>Two families:
 * <ul>
 *   <li>{@link #antialiased}: PyTorch's {@code antialias=True} path (the PIL algorithm): a filter
 *       stretched by the down-scaling factor, clipped at the borders and renormalised.
 *       Bicubic uses Keys' a = −0.5, bilinear the triangle filter.</li>
 *   <li>{@link #bicubicNoAntialias}: PyTorch's plain bicubic (a = −0.75, border replicate), with an
 *       optional scale factor (DINOv2's historical {@code interpolate_offset} kludge).</li>
 * </ul>
 */
public final class Resampler {
    private Resampler() {}

    public enum Filter {
        BILINEAR(1.0),
        BICUBIC(2.0);
        final double support;

        Filter(double support) {
            this.support = support;
        }

        double apply(double x) {
            x = Math.abs(x);
            if (this == BILINEAR) return x < 1.0 ? 1.0 - x : 0.0;
            return x < 1.0 ? cubic1(x, -0.5) : x < 2.0 ? cubic2(x, -0.5) : 0.0;
        }
    }

    static double cubic1(double x, double a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    static double cubic2(double x, double a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }

    /** Weights of PyTorch's antialiased interpolation (align_corners=False, output size given). */
    public static double[][] antialiased(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double support = scale >= 1.0 ? filter.support * scale : filter.support;
        double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        double[][] w = new double[outSize][inSize];
        for (int i = 0; i < outSize; i++) {
            double center = scale * (i + 0.5);
            // C++ static_cast<int64_t> truncates toward zero; max(…, 0) makes that a floor here.
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize);
            double total = 0;
            for (int j = xmin; j < xmax; j++) {
                double v = filter.apply((j - center + 0.5) * invScale);
                w[i][j] = v;
                total += v;
            }
            if (total != 0) for (int j = xmin; j < xmax; j++) w[i][j] /= total;
        }
        return w;
    }

    /**
     * Weights of PyTorch's bicubic interpolation without antialiasing (a = −0.75, indices clamped).
     * {@code scaleFactor <= 0} means "output size given" (scale = in/out); otherwise scale = 1/scaleFactor,
     * as PyTorch uses the user's scale factor for the coordinate mapping.
     */
    public static double[][] bicubicNoAntialias(int inSize, int outSize, double scaleFactor) {
        double scale = scaleFactor > 0 ? 1.0 / scaleFactor : (double) inSize / outSize;
        double[][] w = new double[outSize][inSize];
        for (int i = 0; i < outSize; i++) {
            double real = scale * (i + 0.5) - 0.5;
            int x0 = (int) Math.floor(real);
            double t = real - x0;
            double[] c = {cubic2(t + 1, -0.75), cubic1(t, -0.75), cubic1(1 - t, -0.75), cubic2(2 - t, -0.75)};
            for (int k = 0; k < 4; k++) {
                int j = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
                w[i][j] += c[k];
            }
        }
        return w;
    }

    /** Resamples a planar float image (channels, h, w) with separable weights {@code wy} (outH×h), {@code wx} (outW×w). */
    public static float[] apply(float[] src, int channels, int h, int w, double[][] wy, double[][] wx) {
        int outH = wy.length, outW = wx.length;
        float[] out = new float[channels * outH * outW];
        double[] tmp = new double[outH * w];
        for (int c = 0; c < channels; c++) {
            int base = c * h * w;
            java.util.Arrays.fill(tmp, 0);
            for (int oy = 0; oy < outH; oy++) {
                double[] row = wy[oy];
                for (int y = 0; y < h; y++) {
                    double k = row[y];
                    if (k == 0) continue;
                    int s = base + y * w, d = oy * w;
                    for (int x = 0; x < w; x++) tmp[d + x] += k * src[s + x];
                }
            }
            int ob = c * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    double[] row = wx[ox];
                    double acc = 0;
                    int s = oy * w;
                    for (int x = 0; x < w; x++) if (row[x] != 0) acc += row[x] * tmp[s + x];
                    out[ob + oy * outW + ox] = (float) acc;
                }
            }
        }
        return out;
    }
}
