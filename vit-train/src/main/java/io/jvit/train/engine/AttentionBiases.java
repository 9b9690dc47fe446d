package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiSlopes;

/** Block i's attention bias, as {@code FastViT} makes it: ALiBi with constant, fixed or learned slopes; else none. */
final class AttentionBiases {
    private AttentionBiases() {}

    static AttentionBias of(ViTConfig c, Params p, int block, int gridH, int gridW) {
        if (!(c.pe() instanceof Alibi2d a)) return new AttentionBias.None();
        float[] slopes = new float[c.numHeads()];
        if (a.slopes() == AlibiSlopes.LEARNED)
            slopes = p.get(Alibi2d.slopeParam(block)).clone();
        else {
            double[] v = a.slopes().values(c.numHeads());
            for (int h = 0; h < slopes.length; h++) slopes[h] = (float) v[h];
        }
        return AttentionBias.Alibi.of(a, gridH, gridW, c.numPrefixTokens(), slopes);
    }

    /** The gradient buffer of block i's learned slopes; null when the slopes are not parameters. */
    static float[] slopeGradient(ViTConfig c, Params grads, int block) {
        return c.pe() instanceof Alibi2d a && a.slopes() == AlibiSlopes.LEARNED
                ? grads.get(Alibi2d.slopeParam(block))
                : null;
    }
}
