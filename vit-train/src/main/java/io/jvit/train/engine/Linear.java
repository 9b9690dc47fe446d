package io.jvit.train.engine;

import io.jvit.core.gemm.Sgemm;

/**
 * A fully connected layer y = x·Wᵀ + b, PyTorch's layout: W is (out, in), row-major. All three products go
 * through {@link Sgemm}, so the engine runs on whatever GEMM kernel vit-core ships.
 */
final class Linear {
    private Linear() {}

    /** y (rows, out) = x (rows, in) · Wᵀ (in, out) + b; b may be null. */
    static void forward(float[] x, int rows, int in, int out, float[] w, float[] b, float[] y, int threads) {
        Sgemm.gemm(false, true, rows, out, in, 1f, x, 0, in, w, 0, in, 0f, y, 0, out, threads);
        if (b != null)
            for (int r = 0; r < rows; r++) {
                int o = r * out;
                for (int c = 0; c < out; c++) y[o + c] += b[c];
            }
    }

    /**
     * From dy (rows, out): dx (rows, in) = dy·W, overwritten (skipped when dx is null, as for the patch pixels);
     * dW (out, in) += dyᵀ·x and db (out) += Σ_rows dy, accumulated (micro-batches add into the same buffers).
     */
    static void backward(
            float[] dy,
            float[] x,
            int rows,
            int in,
            int out,
            float[] w,
            float[] dx,
            float[] dw,
            float[] db,
            int threads) {
        if (dx != null) Sgemm.gemm(false, false, rows, in, out, 1f, dy, 0, out, w, 0, in, 0f, dx, 0, in, threads);
        Sgemm.gemm(true, false, out, in, rows, 1f, dy, 0, out, x, 0, in, 1f, dw, 0, in, threads);
        if (db != null)
            for (int r = 0; r < rows; r++) {
                int o = r * out;
                for (int c = 0; c < out; c++) db[c] += dy[o + c];
            }
    }
}
