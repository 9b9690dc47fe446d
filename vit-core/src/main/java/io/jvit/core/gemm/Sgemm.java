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

    public enum Impl {
        AUTO,
        VECTOR,
        SCALAR
    }

    private static final boolean VECTOR_OK = io.jvit.core.util.VectorApi.usable(() -> VectorSgemm.L);

    /** True when the Vector API kernel is in use. */
    public static boolean vectorized() {
        return VECTOR_OK;
    }

    public static void gemm(
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
            int threads) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, threads, null, Impl.AUTO);
    }

    /**
     * The same, with {@code epilogue} applied to every finished tile of C (null: none), by the implementation chosen.
     * The epilogue sees each element of C exactly once, after its final value is in place.
     */
    public static void gemm(
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
            int threads,
            Epilogue epilogue,
            Impl impl) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, threads);
        if (m == 0 || n == 0) return;
        if (k == 0) { // C = beta·C: no product to add
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = beta == 0f ? 0f : beta * c[cOff + i * ldc + j];
            if (epilogue != null) epilogue.apply(c, cOff, ldc, 0, m, 0, n);
            return;
        }
        boolean vector = switch (impl) {
            case AUTO -> VECTOR_OK;
            case SCALAR -> false;
            case VECTOR -> {
                if (!VECTOR_OK)
                    throw new IllegalStateException(
                            "the Vector API is not available (run with --add-modules jdk.incubator.vector)");
                yield true;
            }
        };
        if (vector)
            VectorSgemm.gemm(
                    transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc, threads,
                    epilogue);
        else ScalarSgemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, epilogue);
    }

    /**
     * A right-hand matrix packed once for many products (a layer's weights): what every call would otherwise redo, and at
     * a few hundred rows (one 224² image) about a quarter of the GEMM's time. Holds the original too (for the scalar path).
     */
    public static final class PackedB {
        final boolean transB;
        final float[] b, packed;
        final int bOff, ldb, k, n;

        private PackedB(boolean transB, float[] b, int bOff, int ldb, int k, int n, float[] packed) {
            this.transB = transB;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.k = k;
            this.n = n;
            this.packed = packed;
        }

        public int k() {
            return k;
        }

        public int n() {
            return n;
        }
    }

    /** op(B) (k × n) packed for {@link #gemm(boolean, int, PackedB, float, float[], int, int, float, float[], int, int, int, Epilogue)}. */
    public static PackedB pack(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        if (n < 0 || k < 0) throw new IllegalArgumentException("gemm sizes must be >= 0: n " + n + ", k " + k);
        fits("B", b, bOff, ldb, transB ? n : k, transB ? k : n);
        return new PackedB(
                transB,
                b,
                bOff,
                ldb,
                k,
                n,
                VECTOR_OK && k > 0 && n > 0 ? VectorSgemm.packAll(transB, b, bOff, ldb, k, n) : null);
    }

    /** C = alpha · op(A) · B + beta · C with B packed by {@link #pack}; the epilogue as in the general call (may be null). */
    public static void gemm(
            boolean transA,
            int m,
            PackedB b,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            int threads,
            Epilogue epilogue) {
        int n = b.n, k = b.k;
        check(transA, b.transB, m, n, k, a, aOff, lda, b.b, b.bOff, b.ldb, c, cOff, ldc, threads);
        if (b.packed == null || m == 0 || n == 0 || k == 0) {
            gemm(
                    transA,
                    b.transB,
                    m,
                    n,
                    k,
                    alpha,
                    a,
                    aOff,
                    lda,
                    b.b,
                    b.bOff,
                    b.ldb,
                    beta,
                    c,
                    cOff,
                    ldc,
                    threads,
                    epilogue,
                    Impl.SCALAR);
            return;
        }
        VectorSgemm.gemm(
                transA, b.transB, m, n, k, alpha, a, aOff, lda, null, 0, 0, b.packed, beta, c, cOff, ldc, threads,
                epilogue);
    }

    /** 2·m·n·k. */
    public static double flops(int m, int n, int k) {
        return 2.0 * m * n * k;
    }

    static void check(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float[] c,
            int cOff,
            int ldc,
            int threads) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("gemm sizes must be >= 0: m " + m + ", n " + n + ", k " + k);
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
