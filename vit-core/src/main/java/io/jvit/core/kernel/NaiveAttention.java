package io.jvit.core.kernel;

/**
 * The reference: softmax(q·kᵀ·scale + m_h·M)·v straight from the definition, one query at a time, in
 * double precision, with the whole row of scores in memory. Slow and obviously right; the fused kernels
 * are tested against it.
 */
public final class NaiveAttention {
    private NaiveAttention() {}

    public static void forward(Strided q, Strided k, Strided v, Strided out, AttentionShape s, AttentionBias bias) {
        int n = s.tokens(), d = s.headDim();
        float[] ext = bias instanceof AttentionBias.Alibi a ? a.extendedRows() : null;
        float[] mRow = new float[n];
        double[] p = new double[n];
        for (int b = 0; b < s.batch(); b++)
            for (int h = 0; h < s.heads(); h++)
                for (int i = 0; i < n; i++) {
                    if (bias instanceof AttentionBias.Alibi a) a.row(ext, i, mRow, 0, n);
                    double slope = bias instanceof AttentionBias.Alibi a ? a.slopes()[h] : 0;
                    weights(q, k, s, ext == null ? null : mRow, slope, b, h, i, p);
                    int oi = out.offset() + (b * n + i) * out.stride() + h * d;
                    for (int c = 0; c < d; c++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++)
                            acc += p[j] * v.data()[v.offset() + (b * n + j) * v.stride() + h * d + c];
                        out.data()[oi + c] = (float) acc;
                    }
                }
    }

    /**
     * The backward pass of {@link #forward}, in double precision with each query's whole row of P in memory:
     * given dOut = ∂L/∂out, writes (overwrites) dq, dk, dv and, when {@code dSlopes} is not null, adds
     * ∂L/∂m_h = Σ dS·M to {@code dSlopes[h]} (learned ALiBi slopes). Optional {@code lse} (B·H·N floats, may be
     * null) receives each query row's log-sum-exp of its logits, natural log, as the fused forward saves it.
     */
    public static void backward(
            Strided q,
            Strided k,
            Strided v,
            Strided dOut,
            Strided dq,
            Strided dk,
            Strided dv,
            float[] dSlopes,
            float[] lse,
            AttentionShape s,
            AttentionBias bias) {
        int n = s.tokens(), d = s.headDim();
        double scale = 1.0 / Math.sqrt(d);
        float[] ext = bias instanceof AttentionBias.Alibi a ? a.extendedRows() : null;
        float[] mRow = new float[n];
        double[] p = new double[n];
        for (int b = 0; b < s.batch(); b++)
            for (int h = 0; h < s.heads(); h++) {
                double[] gq = new double[n * d], gk = new double[n * d], gv = new double[n * d];
                double gSlope = 0;
                double slope = bias instanceof AttentionBias.Alibi a ? a.slopes()[h] : 0;
                for (int i = 0; i < n; i++) {
                    if (bias instanceof AttentionBias.Alibi a) a.row(ext, i, mRow, 0, n);
                    int qi = q.offset() + (b * n + i) * q.stride() + h * d;
                    int gi = dOut.offset() + (b * n + i) * dOut.stride() + h * d;
                    double logSumExp = weights(q, k, s, ext == null ? null : mRow, slope, b, h, i, p);
                    if (lse != null) lse[(b * s.heads() + h) * n + i] = (float) logSumExp;
                    // dP_j = dO_i · v_j;  D_i = Σ_j P_j dP_j;  dS_j = P_j (dP_j − D_i)
                    double[] dp = new double[n];
                    double dsum = 0;
                    for (int j = 0; j < n; j++) {
                        int vj = v.offset() + (b * n + j) * v.stride() + h * d;
                        double acc = 0;
                        for (int c = 0; c < d; c++) {
                            acc += (double) dOut.data()[gi + c] * v.data()[vj + c];
                            gv[j * d + c] += p[j] * dOut.data()[gi + c];
                        }
                        dp[j] = acc;
                        dsum += p[j] * acc;
                    }
                    for (int j = 0; j < n; j++) {
                        double ds = p[j] * (dp[j] - dsum);
                        if (ext != null) gSlope += ds * mRow[j];
                        int kj = k.offset() + (b * n + j) * k.stride() + h * d;
                        for (int c = 0; c < d; c++) {
                            gq[i * d + c] += ds * scale * k.data()[kj + c];
                            gk[j * d + c] += ds * scale * q.data()[qi + c];
                        }
                    }
                }
                for (int j = 0; j < n; j++)
                    for (int c = 0; c < d; c++) {
                        dq.data()[dq.offset() + (b * n + j) * dq.stride() + h * d + c] = (float) gq[j * d + c];
                        dk.data()[dk.offset() + (b * n + j) * dk.stride() + h * d + c] = (float) gk[j * d + c];
                        dv.data()[dv.offset() + (b * n + j) * dv.stride() + h * d + c] = (float) gv[j * d + c];
                    }
                if (dSlopes != null && ext != null) dSlopes[h] += (float) gSlope;
            }
    }

    /**
     * Query i's weights P_ij = softmax_j(q_i·k_j/√d + slope·M_ij) into {@code p} (mRow: M's row i, null for no bias);
     * returns the row's log-sum-exp of its logits.
     */
    private static double weights(
            Strided q, Strided k, AttentionShape s, float[] mRow, double slope, int b, int h, int i, double[] p) {
        int n = s.tokens(), d = s.headDim(), qi = q.offset() + (b * n + i) * q.stride() + h * d;
        double scale = 1.0 / Math.sqrt(d), max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            int kj = k.offset() + (b * n + j) * k.stride() + h * d;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double) q.data()[qi + c] * k.data()[kj + c];
            p[j] = dot * scale + (mRow == null ? 0 : slope * mRow[j]);
            max = Math.max(max, p[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) sum += p[j] = Math.exp(p[j] - max);
        for (int j = 0; j < n; j++) p[j] /= sum;
        return max + Math.log(sum);
    }
}
