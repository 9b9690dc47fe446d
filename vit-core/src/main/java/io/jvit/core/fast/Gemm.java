package io.jvit.core.fast;

import io.jvit.core.gemm.Epilogue;
import io.jvit.core.gemm.Epilogues;
import io.jvit.core.gemm.Sgemm;

/** The engine's linear layers: y = x·Wᵀ (+ b), W stored (out, in) as PyTorch keeps it, through {@link Sgemm}. */
final class Gemm {
    private final int threads;
    private final java.util.Map<float[], Sgemm.PackedB> packed =
            new java.util.IdentityHashMap<>(); // weights, packed once

    Gemm(int threads) {
        this.threads = threads;
    }

    /** y (rows × out) = x (rows × in) · W(out × in)ᵀ + b (b may be null). */
    void linear(float[] x, int rows, int in, float[] w, float[] b, float[] y) {
        run(x, rows, in, w, y, b == null ? null : Epilogues.bias(b));
    }

    /** y = GELU(x·Wᵀ + b), the GELU fused into the GEMM's epilogue. */
    void linearGelu(float[] x, int rows, int in, float[] w, float[] b, float[] y) {
        run(x, rows, in, w, y, Epilogues.biasGelu(b));
    }

    /** residual += gamma ⊙ (x·Wᵀ + b), fused: y is scratch (gamma null: plain residual). */
    void linearResidual(float[] x, int rows, int in, float[] w, float[] b, float[] gamma, float[] residual, float[] y) {
        int out = w.length / in;
        run(x, rows, in, w, y, Epilogues.biasScaleResidual(b, gamma, residual, out));
    }

    private void run(float[] x, int rows, int in, float[] w, float[] y, Epilogue epilogue) {
        int out = w.length / in;
        Sgemm.PackedB pw = packed.computeIfAbsent(w, k -> Sgemm.pack(true, in, out, w, 0, in));
        Sgemm.gemm(false, rows, pw, 1f, x, 0, in, 0f, y, 0, out, threads, epilogue);
    }
}
