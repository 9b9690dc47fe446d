package io.jvit.core.gemm;

/**
 * Single-precision matrix multiply on Java float arrays, row-major, BLAS conventions:
 * {@code C = alpha · op(A) · op(B) + beta · C}, op(X) = X or Xᵀ.
 *
 * <p>A is m × k after op (stored k × m when transposed), B is k × n after op (stored n × k when transposed);
 * lda/ldb/ldc are the row strides of the stored matrices. beta = 0 overwrites C (NaNs in C do not leak).
 */
public final class Sgemm {
    private Sgemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc, int threads) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, threads);
        NaiveSgemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    static void check(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, int threads) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("gemm sizes must be >= 0: m " + m + ", n " + n + ", k " + k);
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        fits("A", a, aOff, lda, transA ? k : m, transA ? m : k);
        fits("B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        fits("C", c, cOff, ldc, m, n);
    }

    private static void fits(String name, float[] x, int off, int ld, int rows, int cols) {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new IllegalArgumentException(name + ": row stride " + ld + " < " + cols + " columns");
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length)
            throw new IllegalArgumentException(name + ": " + x.length + " floats cannot hold " + rows + " × " + cols
                    + " at offset " + off + " with row stride " + ld);
    }
}
