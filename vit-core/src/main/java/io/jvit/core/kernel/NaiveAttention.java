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
        double scale = 1.0 / Math.sqrt(d);
        float[] ext = bias instanceof AttentionBias.Alibi a ? a.extendedRows() : null;
        float[] mRow = new float[n];
        double[] p = new double[n];
        for (int b = 0; b < s.batch(); b++)
            for (int h = 0; h < s.heads(); h++)
                for (int i = 0; i < n; i++) {
                    if (bias instanceof AttentionBias.Alibi a) a.row(ext, i, mRow, 0, n);
                    double slope = bias instanceof AttentionBias.Alibi a ? a.slopes()[h] : 0;
                    int qi = q.offset() + (b * n + i) * q.stride() + h * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        int kj = k.offset() + (b * n + j) * k.stride() + h * d;
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += (double) q.data()[qi + c] * k.data()[kj + c];
                        p[j] = dot * scale + (ext == null ? 0 : slope * mRow[j]);
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) sum += p[j] = Math.exp(p[j] - max);
                    int oi = out.offset() + (b * n + i) * out.stride() + h * d;
                    for (int c = 0; c < d; c++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++) acc += p[j] * v.data()[v.offset() + (b * n + j) * v.stride() + h * d + c];
                        out.data()[oi + c] = (float) (acc / sum);
                    }
                }
    }
}
