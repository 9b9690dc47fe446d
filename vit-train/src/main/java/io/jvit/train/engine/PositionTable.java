package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.gemm.Sgemm;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.SinCos2d;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedding an absolute PE adds to the patch tokens, (h·w, C): the learned table T (G², C) resampled to the
 * grid by the constant bicubic matrix K (h·w, G²) of {@link LearnedAbsolute#resampleMatrix} (pe = K·T, so
 * dT = Kᵀ·dpe; the native grid uses T itself), or the fixed sin-cos table; none for RoPE, ALiBi and NoPE.
 * K and the sin-cos table are built once per grid.
 */
final class PositionTable {
    private final ViTConfig config;
    private final Map<Long, float[]> constants = new ConcurrentHashMap<>();

    PositionTable(ViTConfig config) {
        this.config = config;
    }

    private static long key(int gh, int gw) {
        return ((long) gh << 32) | gw;
    }

    /** True when the patch tokens get an additive embedding. */
    boolean additive() {
        return config.pe() instanceof LearnedAbsolute || config.pe() instanceof SinCos2d;
    }

    /** The (h·w, C) embedding for this grid, or null. */
    float[] forward(Params p, int gh, int gw, int threads) {
        int dim = config.embedDim(), hw = gh * gw;
        if (config.pe() instanceof SinCos2d sc)
            return constants.computeIfAbsent(key(gh, gw), k -> sc.table(gh, gw, dim));
        if (!(config.pe() instanceof LearnedAbsolute la)) return null;
        float[] table = p.get(LearnedAbsolute.PARAM);
        int g2 = la.gridSize() * la.gridSize();
        if (native_(la, gh, gw)) return table;
        float[] k = constants.computeIfAbsent(key(gh, gw), x -> la.resampleMatrix(gh, gw));
        float[] pe = new float[hw * dim];
        Sgemm.gemm(false, false, hw, dim, g2, 1f, k, 0, g2, table, 0, dim, 0f, pe, 0, dim, threads); // (hw, G²)·(G², C)
        return pe;
    }

    /** From dpe (h·w, C), the gradient summed over the batch: dT += Kᵀ·dpe (learned only). */
    void backward(Params grads, float[] dpe, int gh, int gw, int threads) {
        if (!(config.pe() instanceof LearnedAbsolute la)) return;
        float[] dTable = grads.get(LearnedAbsolute.PARAM);
        int dim = config.embedDim(), hw = gh * gw, g2 = la.gridSize() * la.gridSize();
        if (native_(la, gh, gw)) {
            for (int i = 0; i < dTable.length; i++) dTable[i] += dpe[i];
            return;
        }
        float[] k = constants.computeIfAbsent(key(gh, gw), x -> la.resampleMatrix(gh, gw));
        Sgemm.gemm(
                true, false, g2, dim, hw, 1f, k, 0, g2, dpe, 0, dim, 1f, dTable, 0, dim, threads); // (G², hw)·(hw, C)
    }

    private static boolean native_(LearnedAbsolute la, int gh, int gw) {
        return gh == la.gridSize() && gw == la.gridSize();
    }
}
