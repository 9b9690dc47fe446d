package io.jvit.core.pe;

/**
 * The 2D ALiBi position matrix M = −D between the patches of an h × w grid (paper digest b.2):
 * per-axis offsets Δy = |i_a − i_b|, Δx = |j_a − j_b|; with toroidal wrap Δ ← min(Δ, size − Δ);
 * Euclidean √(Δy² + Δx²) or Manhattan Δy + Δx; optionally divided by its maximum over the grid so
 * M ∈ [−1, 0] at every resolution. Patch index n = i·w + j (row-major).
 */
public final class AlibiDistance {
    private AlibiDistance() {}

    public enum Metric {
        EUCLIDEAN,
        MANHATTAN
    }

    /** The distance between grid offsets (dy, dx) ≥ 0 after wrapping, not yet normalised or negated. */
    public static double distance(int dy, int dx, int h, int w, Metric metric, boolean wrap) {
        if (wrap) {
            dy = Math.min(dy, h - dy);
            dx = Math.min(dx, w - dx);
        }
        return metric == Metric.EUCLIDEAN ? Math.sqrt((double) dy * dy + (double) dx * dx) : dy + dx;
    }

    /** The largest distance on the grid (the normaliser); 0 for a 1×1 grid. */
    public static double maxDistance(int h, int w, Metric metric, boolean wrap) {
        int my = wrap ? h / 2 : h - 1, mx = wrap ? w / 2 : w - 1;
        return metric == Metric.EUCLIDEAN ? Math.sqrt((double) my * my + (double) mx * mx) : my + mx;
    }

    /**
     * The bias table indexed by offsets: {@code table[dy·w + dx] = M} for dy ∈ [0, h), dx ∈ [0, w).
     * Every entry of the N × N matrix is one of these h·w numbers, which is what a fused kernel needs.
     */
    public static double[] offsetTable(int h, int w, Metric metric, boolean wrap, boolean normalise) {
        double norm = normalise ? maxDistance(h, w, metric, wrap) : 1.0;
        if (norm == 0) norm = 1.0;
        double[] t = new double[h * w];
        for (int dy = 0; dy < h; dy++)
            for (int dx = 0; dx < w; dx++) {
                double d = distance(dy, dx, h, w, metric, wrap) / norm;
                t[dy * w + dx] = d == 0 ? 0.0 : -d;
            }
        return t;
    }

    /**
     * The full (prefix + h·w)² matrix, row-major, with zero rows and columns for the {@code prefix}
     * tokens (CLS, registers), as the paper's {@code DistanceMatrixWrapper} stores it.
     */
    public static float[] matrix(int h, int w, int prefix, Metric metric, boolean wrap, boolean normalise) {
        double[] t = offsetTable(h, w, metric, wrap, normalise);
        int p = h * w, n = prefix + p;
        float[] m = new float[n * n];
        for (int a = 0; a < p; a++) {
            int ia = a / w, ja = a % w;
            int row = (prefix + a) * n + prefix;
            for (int b = 0; b < p; b++) {
                int dy = Math.abs(ia - b / w), dx = Math.abs(ja - b % w);
                m[row + b] = (float) t[dy * w + dx];
            }
        }
        return m;
    }
}
