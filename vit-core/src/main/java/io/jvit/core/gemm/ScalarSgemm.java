package io.jvit.core.gemm;

/**
 * The scalar fallback (no Vector API): i-p-j loop order, so the inner loop runs along rows of B and C
 * (the JIT's auto-vectoriser can use it), over a transposed copy of B when B is given transposed.
 */
final class ScalarSgemm {
    private ScalarSgemm() {}

    static void gemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            Epilogue epilogue) {
        float[] bt = b;
        int bo = bOff, ldbt = ldb;
        if (transB) { // stored (n, k): make a (k, n) copy
            bt = new float[k * n];
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bt[p * n + j] = b[bOff + j * ldb + p];
            bo = 0;
            ldbt = n;
        }
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
            for (int p = 0; p < k; p++) {
                float av = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                int bi = bo + p * ldbt;
                for (int j = 0; j < n; j++) c[ci + j] += av * bt[bi + j];
            }
        }
        if (epilogue != null && m > 0 && n > 0) epilogue.apply(c, cOff, ldc, 0, m, 0, n);
    }
}
