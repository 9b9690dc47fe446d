package io.jvit.probe.report;

/** Matplotlib's viridis (perceptually uniform, colour-blind safe), from 9 anchors, linearly interpolated. */
public final class Colormap {
    private Colormap() {}

    private static final int[][] VIRIDIS = {
        {68, 1, 84},
        {71, 44, 122},
        {59, 81, 139},
        {44, 113, 142},
        {33, 144, 141},
        {39, 173, 129},
        {92, 200, 99},
        {170, 220, 50},
        {253, 231, 37}
    };

    /** Packed 0xRRGGBB for {@code t} in [0, 1] (clamped; NaN is grey). */
    public static int viridis(double t) {
        if (Double.isNaN(t)) return 0x808080;
        t = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
        int i = Math.min((int) t, VIRIDIS.length - 2);
        double f = t - i;
        int rgb = 0;
        for (int ch = 0; ch < 3; ch++) {
            int v = (int) Math.round(VIRIDIS[i][ch] * (1 - f) + VIRIDIS[i + 1][ch] * f);
            rgb = (rgb << 8) | v;
        }
        return rgb;
    }
}
