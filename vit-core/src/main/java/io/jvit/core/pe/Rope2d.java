package io.jvit.core.pe;

/**
 * 2D rotary position embedding as in DINOv3 ({@code RopePositionEmbedding}, normalize_coords="separate",
 * evaluation mode): patch centres are mapped per axis to [−1, 1] (y = 2·(i + ½)/h − 1, x likewise with w),
 * periods p_k = base^(2k / (D/2)) for k &lt; D/4, angles 2π·coord/p_k laid out [y-angles, x-angles] and tiled
 * twice to the head width D. Queries and keys of patch tokens become q·cos + rotate_half(q)·sin, with
 * rotate_half([a, b]) = [−b, a]; prefix tokens are not rotated.
 *
 * @param base period base (DINOv3: 100)
 */
public record Rope2d(double base) implements PositionalEncoding {

    @Override public String name() { return "rope"; }

    @Override public RopeTables ropeTables(int h, int w, int headDim) {
        if (headDim % 4 != 0) throw new IllegalArgumentException("2D RoPE needs a head width divisible by 4, got " + headDim);
        int q = headDim / 4;
        double[] periods = new double[q];
        for (int k = 0; k < q; k++) periods[k] = Math.pow(base, 2.0 * k / (headDim / 2.0));
        float[] sin = new float[h * w * headDim], cos = new float[h * w * headDim];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                double y = 2.0 * (i + 0.5) / h - 1.0, x = 2.0 * (j + 0.5) / w - 1.0;
                int o = (i * w + j) * headDim;
                for (int k = 0; k < q; k++) {
                    double ay = 2 * Math.PI * y / periods[k], ax = 2 * Math.PI * x / periods[k];
                    for (int rep = 0; rep < 2; rep++) {          // angles.tile(2)
                        int base0 = o + rep * 2 * q;
                        sin[base0 + k] = (float) Math.sin(ay);
                        cos[base0 + k] = (float) Math.cos(ay);
                        sin[base0 + q + k] = (float) Math.sin(ax);
                        cos[base0 + q + k] = (float) Math.cos(ax);
                    }
                }
            }
        return new RopeTables(h * w, headDim, sin, cos);
    }
}
