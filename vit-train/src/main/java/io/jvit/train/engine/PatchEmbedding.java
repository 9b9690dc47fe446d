package io.jvit.train.engine;

/**
 * The stride-p patch convolution as unfold + matmul: each patch becomes a row of 3·p² pixels, channel-major
 * like the conv kernel (C, 3, p, p) read as (C, 3·p²); emb = unfolded·Wᵀ + b. The unfolded pixels are saved for dW.
 */
final class PatchEmbedding {
    private PatchEmbedding() {}

    static final String WEIGHT = "patch_embed.proj.weight", BIAS = "patch_embed.proj.bias";

    /** images (B, 3, h·p, w·p) → unfolded (B·h·w, 3p²) → emb (B·h·w, C). */
    static void forward(Params params, float[] images, Sizes s, int p, float[] unfolded, float[] emb, int threads) {
        int gh = s.gridH(), gw = s.gridW(), H = gh * p, W = gw * p, kdim = 3 * p * p;
        for (int b = 0; b < s.batch(); b++)
            for (int i = 0; i < gh; i++)
                for (int j = 0; j < gw; j++) {
                    int row = ((b * gh + i) * gw + j) * kdim;
                    for (int ch = 0; ch < 3; ch++)
                        for (int y = 0; y < p; y++)
                            System.arraycopy(
                                    images,
                                    ((b * 3 + ch) * H + i * p + y) * W + j * p,
                                    unfolded,
                                    row + (ch * p + y) * p,
                                    p);
                }
        Linear.forward(
                unfolded, s.batch() * s.patches(), kdim, s.dim(), params.get(WEIGHT), params.get(BIAS), emb, threads);
    }

    /** From dEmb (B·h·w, C): dW += dEmbᵀ·unfolded, db += Σ dEmb. No gradient for the pixels. */
    static void backward(Params params, Params grads, float[] dEmb, float[] unfolded, Sizes s, int p, int threads) {
        Linear.backward(
                dEmb,
                unfolded,
                s.batch() * s.patches(),
                3 * p * p,
                s.dim(),
                params.get(WEIGHT),
                null,
                grads.get(WEIGHT),
                grads.get(BIAS),
                threads);
    }
}
