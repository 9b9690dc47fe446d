package io.jvit.core.kernel;

/**
 * The fused kernel in plain Java, for JVMs without {@code jdk.incubator.vector}: the same streaming
 * softmax over key blocks as {@link VectorAttention} (running max m and sum l per query; the output is
 * rescaled by exp(m_old − m_new) when the max grows), one query at a time. O(N·d) extra memory.
 */
final class ScalarAttention {
    private ScalarAttention() {}

    static final int KEY_BLOCK = 128;

    /**
     * Queries [q0, q1) of image b, head h. {@code mRow}, {@code scores} and {@code acc}: scratch of N, KEY_BLOCK and d floats.
     * When {@code lse} is not null, also each query's log-sum-exp of its logits, m + ln l, at {@code lse[(b·H + h)·N + i]}.
     */
    static void queries(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias bias,
            float[] ext,
            int b,
            int h,
            int q0,
            int q1,
            float[] mRow,
            float[] scores,
            float[] acc) {
        int n = s.tokens(), d = s.headDim();
        float scale = (float) (1.0 / Math.sqrt(d));
        AttentionBias.Alibi alibi = bias instanceof AttentionBias.Alibi a ? a : null;
        float slope = alibi == null ? 0f : alibi.slopes()[h];
        float[] qd = q.data(), kd = k.data(), vd = v.data();
        for (int i = q0; i < q1; i++) {
            if (alibi != null) alibi.row(ext, i, mRow, 0, n);
            int qi = q.offset() + (b * n + i) * q.stride() + h * d;
            float m = Float.NEGATIVE_INFINITY, l = 0f;
            java.util.Arrays.fill(acc, 0, d, 0f);
            for (int j0 = 0; j0 < n; j0 += KEY_BLOCK) {
                int j1 = Math.min(n, j0 + KEY_BLOCK);
                float blockMax = Float.NEGATIVE_INFINITY;
                for (int j = j0; j < j1; j++) {
                    int kj = k.offset() + (b * n + j) * k.stride() + h * d;
                    float dot = 0f;
                    for (int c = 0; c < d; c++) dot += qd[qi + c] * kd[kj + c];
                    float sc = dot * scale + (alibi == null ? 0f : slope * mRow[j]);
                    scores[j - j0] = sc;
                    blockMax = Math.max(blockMax, sc);
                }
                float mNew = Math.max(m, blockMax);
                float corr = (float) Math.exp(m - mNew); // 0 on the first block (m = −∞)
                l *= corr;
                for (int c = 0; c < d; c++) acc[c] *= corr;
                for (int j = j0; j < j1; j++) {
                    float p = (float) Math.exp(scores[j - j0] - mNew);
                    l += p;
                    int vj = v.offset() + (b * n + j) * v.stride() + h * d;
                    for (int c = 0; c < d; c++) acc[c] += p * vd[vj + c];
                }
                m = mNew;
            }
            int oi = out.offset() + (b * n + i) * out.stride() + h * d;
            float inv = 1f / l;
            for (int c = 0; c < d; c++) out.data()[oi + c] = acc[c] * inv;
            if (lse != null) lse[(b * s.heads() + h) * n + i] = m + (float) Math.log(l);
        }
    }
}
