package io.jvit.core.fast;

/**
 * The token order of every ViT here: [CLS, registers, patches] per image. One place for the inference engine
 * ({@link FastViT}) and the training engine's token layer, so the two cannot disagree on where a token sits.
 */
public final class PrefixTokens {
    private PrefixTokens() {}

    /**
     * x (B·N, C) ← per image: {@code cls} (C) if not null, {@code reg} (R·C) if not null, then the image's rows of
     * {@code emb} (B·h·w, C); N = prefix + h·w.
     */
    public static void assemble(float[] cls, float[] reg, float[] emb, int batch, int hw, int dim, float[] x) {
        int n = (cls != null ? 1 : 0) + (reg != null ? reg.length / dim : 0) + hw;
        for (int b = 0; b < batch; b++) {
            int o = b * n * dim;
            if (cls != null) {
                System.arraycopy(cls, 0, x, o, dim);
                o += dim;
            }
            if (reg != null) {
                System.arraycopy(reg, 0, x, o, reg.length);
                o += reg.length;
            }
            System.arraycopy(emb, b * hw * dim, x, o, hw * dim);
        }
    }
}
