package io.jvit.bench;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.pe.Alibi2d;
import java.util.Random;

/**
 * The attention workloads of the benchmarks: ViT-S/14 heads (6 × 64) at the token counts of a 224² image
 * with CLS + 4 registers (16² + 5 = 261), a 518² image (37² + 5 = 1374) and a 1036² image without prefix
 * tokens (74² = 5476). q, k, v are packed (N, 3·C) as the qkv linear layer writes them.
 */
public record Workload(int n, int gridSide, int prefix, int batch, int heads, int headDim, float[] qkv) {

    public static Workload of(int n, int batch) {
        int side, prefix;
        switch (n) {
            case 261 -> {
                side = 16;
                prefix = 5;
            }
            case 1374 -> {
                side = 37;
                prefix = 5;
            }
            case 5476 -> {
                side = 74;
                prefix = 0;
            }
            default -> {
                side = (int) Math.round(Math.sqrt(n));
                prefix = n - side * side;
                if (prefix < 0 || prefix > 16) throw new IllegalArgumentException("no square grid for N = " + n);
            }
        }
        int heads = 6, d = 64;
        float[] x = new float[batch * n * 3 * heads * d];
        Random r = new Random(n);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return new Workload(n, side, prefix, batch, heads, d, x);
    }

    public AttentionShape shape() {
        return new AttentionShape(batch, n, heads, headDim);
    }

    public int width() {
        return heads * headDim;
    }

    /** The paper's ALiBi (Euclidean, wrapped, normalised) with slope 1 on every head. */
    public AttentionBias.Alibi alibi() {
        float[] slopes = new float[heads];
        java.util.Arrays.fill(slopes, 1f);
        return AttentionBias.Alibi.of(Alibi2d.paperDefault(), gridSide, gridSide, prefix, slopes);
    }

    /** The full (N, N) ALiBi matrix M, as the materialising implementations use it. */
    public float[] alibiMatrix() {
        return Alibi2d.paperDefault().matrix(gridSide, gridSide, prefix);
    }

    /** q, k or v (index 0, 1, 2) as a contiguous (B, H, N, d) array, the layout of PyTorch and SameDiff. */
    public float[] headMajor(int which) {
        int w = width();
        float[] out = new float[batch * heads * n * headDim];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < n; t++)
                for (int h = 0; h < heads; h++)
                    System.arraycopy(
                            qkv,
                            (b * n + t) * 3 * w + which * w + h * headDim,
                            out,
                            ((b * heads + h) * n + t) * headDim,
                            headDim);
        return out;
    }
}
