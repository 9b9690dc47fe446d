package io.jvit.cuda;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;

/**
 * Attention on the GPU when there is one (and the problem fits the kernel: head dim 64, ALiBi with
 * Euclidean wrap or no bias), else the fused CPU kernel. Same arguments as {@link FusedAttention#forward}.
 */
public final class AcceleratedAttention {
    private AcceleratedAttention() {}

    /** Where the last call ran: "cuda" or "cpu". */
    public static String lastBackend = "none";

    public static void forward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            AttentionShape s,
            AttentionBias bias,
            CudaAttention.Grid grid,
            int threads) {
        boolean gpu = s.headDim() == CudaAttention.HEAD_DIM
                && CudaAttention.available()
                && (bias instanceof AttentionBias.None || grid != null);
        if (!gpu) {
            FusedAttention.forward(q, k, v, out, s, bias, threads);
            lastBackend = "cpu";
            return;
        }
        float[] qh = headMajor(q, s), kh = headMajor(k, s), vh = headMajor(v, s), oh = new float[qh.length];
        float[] slopes = bias instanceof AttentionBias.Alibi a ? a.slopes() : null;
        CudaAttention.Grid g = grid != null ? grid : new CudaAttention.Grid(1, s.tokens(), 0, false, false, false);
        try (CudaAttention cuda = new CudaAttention()) {
            cuda.forward(qh, kh, vh, oh, s.batch(), s.heads(), s.tokens(), slopes, g);
        }
        int n = s.tokens(), d = s.headDim();
        for (int b = 0; b < s.batch(); b++)
            for (int h = 0; h < s.heads(); h++)
                for (int t = 0; t < n; t++)
                    System.arraycopy(
                            oh,
                            ((b * s.heads() + h) * n + t) * d,
                            out.data(),
                            out.offset() + (b * n + t) * out.stride() + h * d,
                            d);
        lastBackend = "cuda";
    }

    /** One of q, k, v (rows of tokens, heads side by side) in the kernels' (B, H, N, d) layout. */
    public static float[] headMajor(Strided x, AttentionShape s) {
        int n = s.tokens(), d = s.headDim();
        float[] o = new float[s.batch() * s.heads() * n * d];
        for (int b = 0; b < s.batch(); b++)
            for (int h = 0; h < s.heads(); h++)
                for (int t = 0; t < n; t++)
                    System.arraycopy(
                            x.data(),
                            x.offset() + (b * n + t) * x.stride() + h * d,
                            o,
                            ((b * s.heads() + h) * n + t) * d,
                            d);
        return o;
    }
}
