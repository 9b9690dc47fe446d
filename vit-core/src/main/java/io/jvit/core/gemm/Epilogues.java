package io.jvit.core.gemm;

import io.jvit.core.kernel.ScalarMath;

/** The epilogues the ViT's linear layers need, each applied to a finished tile of C = x·Wᵀ. */
public final class Epilogues {
    private Epilogues() {}

    /** c += bias (per column). */
    public static Epilogue bias(float[] bias) {
        return (c, off, ldc, row, rows, col, cols) -> {
            for (int i = row; i < row + rows; i++) {
                int o = off + i * ldc;
                for (int j = col; j < col + cols; j++) c[o + j] += bias[j];
            }
        };
    }

    /** c = GELU(c + bias), exact erf GELU (DINOv2's MLP). bias may be null. */
    public static Epilogue biasGelu(float[] bias) {
        return (c, off, ldc, row, rows, col, cols) -> {
            for (int i = row; i < row + rows; i++) {
                int o = off + i * ldc;
                if (bias != null) for (int j = col; j < col + cols; j++) c[o + j] += bias[j];
                ScalarMath.gelu(c, o + col, o + col + cols);
            }
        };
    }

    /**
     * The residual branch: x[i][j] += gamma[j] · (c[i][j] + bias[j]) (gamma null: LayerScale off; bias null: none), x with
     * row stride {@code ldx}. C itself is left as computed.
     */
    public static Epilogue biasScaleResidual(float[] bias, float[] gamma, float[] x, int ldx) {
        return (c, off, ldc, row, rows, col, cols) -> {
            for (int i = row; i < row + rows; i++) {
                int o = off + i * ldc, xo = i * ldx;
                for (int j = col; j < col + cols; j++) {
                    float y = bias == null ? c[o + j] : c[o + j] + bias[j];
                    x[xo + j] += gamma == null ? y : gamma[j] * y;
                }
            }
        };
    }
}
