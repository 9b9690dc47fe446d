package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.PrefixTokens;

/**
 * The token sequence of each image: [CLS, registers, patches + pe], (B·N, C). The prefix tokens get no position;
 * their parameters are shared by the batch, so their gradient is the sum over images.
 */
final class Tokens {
    private Tokens() {}

    static final String CLS = "cls_token", REG = "reg_token";

    /** emb (B·h·w, C) and pe (h·w, C) or null → x (B·N, C). */
    static void forward(ViTConfig c, Params p, Sizes s, float[] emb, float[] pe, float[] x) {
        int dim = s.dim(), hw = s.patches(), n = s.tokens();
        PrefixTokens.assemble(p.getOrNull(CLS), p.getOrNull(REG), emb, s.batch(), hw, dim, x);
        if (pe == null) return;
        int prefix = n - hw;
        for (int b = 0; b < s.batch(); b++) {
            int o = (b * n + prefix) * dim;
            for (int t = 0; t < hw * dim; t++) x[o + t] += pe[t];
        }
    }

    /** dx (B·N, C) → dEmb (B·h·w, C) overwritten, dPe (h·w, C) = Σ_b dEmb_b overwritten (if not null), token gradients added. */
    static void backward(ViTConfig c, Params g, Sizes s, float[] dx, float[] dEmb, float[] dPe) {
        int dim = s.dim(), hw = s.patches(), n = s.tokens();
        float[] dCls = g.getOrNull(CLS), dReg = g.getOrNull(REG);
        if (dPe != null) java.util.Arrays.fill(dPe, 0f);
        for (int b = 0; b < s.batch(); b++) {
            int o = b * n * dim;
            if (dCls != null) {
                for (int i = 0; i < dim; i++) dCls[i] += dx[o + i];
                o += dim;
            }
            if (dReg != null) {
                for (int i = 0; i < dReg.length; i++) dReg[i] += dx[o + i];
                o += dReg.length;
            }
            System.arraycopy(dx, o, dEmb, b * hw * dim, hw * dim);
            if (dPe != null) for (int t = 0; t < hw * dim; t++) dPe[t] += dx[o + t];
        }
    }
}
