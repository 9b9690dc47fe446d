package io.jvit.core.pe;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fixed 2D sin-cos embedding (MoCo v3 / the paper's sinusoid control), computed for the actual grid:
 * C/4 frequencies ω_k = 1 / T^(k / (C/4)); per patch (y = row, x = column) the channels are
 * [sin(yω), cos(yω), sin(xω), cos(xω)].
 *
 * @param temperature T (10000 as usual)
 */
public record SinCos2d(double temperature) implements PositionalEncoding {

    @Override
    public String name() {
        return "sincos";
    }

    @Override
    public SDVariable patchEmbedding(GraphContext g) {
        float[] t = table(g.gridH(), g.gridW(), g.config().embedDim());
        return g.sd().constant(
                        "sincos_pe",
                        Nd4j.create(t, new long[] {g.numPatches(), g.config().embedDim()})
                                .castTo(g.dataType()));
    }

    /** The (h·w, dim) table, row-major. */
    public float[] table(int h, int w, int dim) {
        if (dim % 4 != 0) throw new IllegalArgumentException("sin-cos PE needs a width divisible by 4, got " + dim);
        int q = dim / 4;
        float[] t = new float[h * w * dim];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int o = (i * w + j) * dim;
                for (int k = 0; k < q; k++) {
                    double omega = 1.0 / Math.pow(temperature, (double) k / q);
                    t[o + k] = (float) Math.sin(i * omega);
                    t[o + q + k] = (float) Math.cos(i * omega);
                    t[o + 2 * q + k] = (float) Math.sin(j * omega);
                    t[o + 3 * q + k] = (float) Math.cos(j * omega);
                }
            }
        return t;
    }
}
