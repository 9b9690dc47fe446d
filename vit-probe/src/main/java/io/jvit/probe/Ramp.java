package io.jvit.probe;

import java.util.Locale;
import java.util.Random;

/**
 * Position targets for the linear probe (paper digest c.1), over an h × w patch grid, row-major.
 * {@code LR_UD} has two outputs (the "2D probe" of the paper's Table 1); the others one.
 */
public enum Ramp {
    /** linspace(0, 1, w)[j]: left to right. */
    LR("lr"),
    /** linspace(0, 1, h)[i]: top to bottom. */
    UD("ud"),
    /** (L[i] + L[j]) / 2 with L = linspace(0, 1, max(h, w)). */
    DIAG("diag"),
    /** 1 − r / r_max, r the distance to (h//2, w//2). */
    RADIAL("radial"),
    /** (i·w + j) / (h·w). */
    RASTER("raster"),
    /** (lr, ud): two outputs. */
    LR_UD("lr+ud"),
    /** U[0, 1) noise: a control that must not be predictable. */
    RANDOM("random");

    public final String key;

    Ramp(String key) {
        this.key = key;
    }

    public static Ramp parse(String s) {
        for (Ramp r : values()) if (r.key.equals(s.toLowerCase(Locale.ROOT))) return r;
        throw new IllegalArgumentException(
                "unknown ramp '" + s + "' (expected lr, ud, diag, radial, raster, lr+ud or random)");
    }

    public int outputs() {
        return this == LR_UD ? 2 : 1;
    }

    /** Target values [token][output] for an h × w grid; {@code seed} only matters for RANDOM. */
    public double[][] values(int h, int w, long seed) {
        double[][] t = new double[h * w][outputs()];
        Random rnd = new Random(seed);
        int ci = h / 2, cj = w / 2;
        double rMax = 0;
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) rMax = Math.max(rMax, Math.hypot(i - ci, j - cj));
        int m = Math.max(h, w);
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                double[] v = t[i * w + j];
                switch (this) {
                    case LR -> v[0] = linspace(j, w);
                    case UD -> v[0] = linspace(i, h);
                    case DIAG -> v[0] = (linspace(i, m) + linspace(j, m)) / 2;
                    case RADIAL -> v[0] = rMax == 0 ? 1 : 1 - Math.hypot(i - ci, j - cj) / rMax;
                    case RASTER -> v[0] = (double) (i * w + j) / (h * w);
                    case LR_UD -> {
                        v[0] = linspace(j, w);
                        v[1] = linspace(i, h);
                    }
                    case RANDOM -> v[0] = rnd.nextDouble();
                }
            }
        return t;
    }

    /** numpy's linspace(0, 1, n)[k]. */
    static double linspace(int k, int n) {
        return n == 1 ? 0.0 : (double) k / (n - 1);
    }
}
