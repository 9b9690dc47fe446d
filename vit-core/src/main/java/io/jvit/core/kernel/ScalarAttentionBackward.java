package io.jvit.core.kernel;

import java.util.Arrays;

/**
 * The backward pass in plain Java, for JVMs without {@code jdk.incubator.vector}: the same algorithm as
 * {@link VectorAttentionBackward} (FlashAttention-2's), one query and one key at a time. For one (image, head), with
 * D_i = dO_i·O_i, each block of keys walks all queries and recomputes P_ij = exp(S_ij − lse_i) from the forward's
 * log-sum-exp; dP_ij = dO_i·v_j, dS_ij = P_ij (dP_ij − D_i); dV_j += P_ij dO_i and dK_j += dS_ij q_i/√d in the key
 * block's accumulators, dQ_i += dS_ij k_j/√d in the (image, head)'s. O(N·d) extra memory, a fixed order of sums.
 */
final class ScalarAttentionBackward {
    private ScalarAttentionBackward() {}

    static final int KEY_BLOCK = 128;

    /** Per-thread scratch for one (image, head) at a time, O(N·d); kept per worker in the {@link AttentionWorkspace}. */
    static final class Scratch {
        final float[] dQ, dd, mRow, dK, dV; // (N, d), N, N, (KEY_BLOCK, d) twice

        Scratch(AttentionShape s) {
            int n = s.tokens(), d = s.headDim();
            dQ = new float[n * d];
            dd = new float[n];
            mRow = new float[n];
            dK = new float[KEY_BLOCK * d];
            dV = new float[KEY_BLOCK * d];
        }
    }

    /** dq, dk, dv of image b, head h (overwritten); returns Σ dS ∘ M (∂L/∂m_h of this image) when {@code slopeGrad}, else 0. */
    static double head(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            Strided dOut,
            Strided dq,
            Strided dk,
            Strided dv,
            AttentionShape s,
            AttentionBias.Alibi alibi,
            float[] ext,
            boolean slopeGrad,
            int b,
            int h,
            Scratch w) {
        int n = s.tokens(), d = s.headDim(), lseBase = (b * s.heads() + h) * n;
        float scale = (float) (1.0 / Math.sqrt(d));
        float slope = alibi == null ? 0f : alibi.slopes()[h];
        float[] qd = q.data(), kd = k.data(), vd = v.data(), gd = dOut.data();
        for (int i = 0; i < n; i++) { // D_i in double: dP − D cancels
            int gi = dOut.offset() + (b * n + i) * dOut.stride() + h * d,
                    oi = out.offset() + (b * n + i) * out.stride() + h * d;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double) gd[gi + c] * out.data()[oi + c];
            w.dd[i] = (float) dot;
        }
        Arrays.fill(w.dQ, 0f);
        double gSlope = 0;
        for (int j0 = 0; j0 < n; j0 += KEY_BLOCK) {
            int j1 = Math.min(n, j0 + KEY_BLOCK);
            Arrays.fill(w.dK, 0f);
            Arrays.fill(w.dV, 0f);
            for (int i = 0; i < n; i++) {
                if (alibi != null) alibi.row(ext, i, w.mRow, 0, n);
                int qi = q.offset() + (b * n + i) * q.stride() + h * d,
                        gi = dOut.offset() + (b * n + i) * dOut.stride() + h * d;
                float lseI = lse[lseBase + i], dI = w.dd[i];
                for (int j = j0; j < j1; j++) {
                    int kj = k.offset() + (b * n + j) * k.stride() + h * d,
                            vj = v.offset() + (b * n + j) * v.stride() + h * d;
                    float dot = 0f, dp = 0f;
                    for (int c = 0; c < d; c++) {
                        dot += qd[qi + c] * kd[kj + c];
                        dp += gd[gi + c] * vd[vj + c];
                    }
                    float p = (float) Math.exp(dot * scale + (alibi == null ? 0f : slope * w.mRow[j]) - lseI);
                    float ds = p * (dp - dI), dss = ds * scale;
                    if (slopeGrad && alibi != null) gSlope += ds * w.mRow[j];
                    int o = (j - j0) * d;
                    for (int c = 0; c < d; c++) {
                        w.dV[o + c] += p * gd[gi + c];
                        w.dK[o + c] += dss * qd[qi + c];
                        w.dQ[i * d + c] += dss * kd[kj + c];
                    }
                }
            }
            for (int j = j0; j < j1; j++) {
                System.arraycopy(w.dK, (j - j0) * d, dk.data(), dk.offset() + (b * n + j) * dk.stride() + h * d, d);
                System.arraycopy(w.dV, (j - j0) * d, dv.data(), dv.offset() + (b * n + j) * dv.stride() + h * d, d);
            }
        }
        for (int i = 0; i < n; i++)
            System.arraycopy(w.dQ, i * d, dq.data(), dq.offset() + (b * n + i) * dq.stride() + h * d, d);
        return gSlope;
    }
}
