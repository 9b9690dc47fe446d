package io.jvit.train.pretrain;

import io.jvit.core.gemm.Sgemm;
import io.jvit.train.engine.Objective;
import io.jvit.train.engine.Tape;
import java.util.Map;
import java.util.TreeMap;

/**
 * SimMIM's loss as an {@link Objective}: a linear head on the final-normed patch tokens predicts each patch's pixels
 * (pred = tokens·W + b, W (C, 3p²) as in {@code io.jvit.train.samediff.SimMim}); the loss is the squared error on the
 * masked patches only, Σ mask·(pred − target)² / (Σ mask · 3p² + 1e-6), the sums over the whole step's batch.
 * The head's gradient of each sub-batch is kept apart (keyed by its first image) and summed in image order by
 * {@link #headGradients}, so the step stays reproducible however the batch was split over threads.
 */
final class MaskedPixelObjective implements Objective {
    private final float[] headW, headB; // (C, out), (out)
    private final float[] target, mask; // (B·h·w, out) pixels of every patch, (B·h·w) 1 = masked
    private final int out;
    private final double denominator;
    private final Map<Integer, float[][]> headGrads = new TreeMap<>();

    MaskedPixelObjective(float[] headW, float[] headB, float[] target, float[] mask, int out) {
        this.headW = headW;
        this.headB = headB;
        this.target = target;
        this.mask = mask;
        this.out = out;
        double m = 0;
        for (float x : mask) m += x;
        this.denominator = m * out + 1e-6;
    }

    @Override
    public double lossAndGradient(Tape t, int first, int totalImages, float[] dNormed) {
        int c = t.width(), hw = t.gridH() * t.gridW(), rows = t.batch() * hw, n = t.tokens();
        float[] tokens = t.patchTokens(); // (rows, C)
        float[] pred = new float[rows * out];
        Sgemm.gemm(false, false, rows, out, c, 1f, tokens, 0, c, headW, 0, out, 0f, pred, 0, out, 1);
        double loss = 0;
        float[] dPred = new float[rows * out], dB = new float[out];
        for (int r = 0; r < rows; r++) {
            int g = first * hw + r; // the patch's row in the whole batch
            if (mask[g] == 0) continue;
            for (int j = 0; j < out; j++) {
                double e = pred[r * out + j] + headB[j] - target[g * out + j];
                loss += e * e / denominator;
                dPred[r * out + j] = (float) (2 * e / denominator);
                dB[j] += dPred[r * out + j];
            }
        }
        float[] dW = new float[c * out], dTokens = new float[rows * c];
        Sgemm.gemm(true, false, c, out, rows, 1f, tokens, 0, c, dPred, 0, out, 0f, dW, 0, out, 1); // tokensᵀ·dPred
        Sgemm.gemm(false, true, rows, c, out, 1f, dPred, 0, out, headW, 0, out, 0f, dTokens, 0, c, 1); // dPred·Wᵀ
        java.util.Arrays.fill(dNormed, 0f);
        for (int b = 0; b < t.batch(); b++)
            System.arraycopy(dTokens, b * hw * c, dNormed, (b * n + t.prefixTokens()) * c, hw * c);
        synchronized (headGrads) {
            headGrads.put(first, new float[][] {dW, dB});
        }
        return loss;
    }

    /** Writes the head's gradient (summed over the sub-batches in image order) into dW, dB (overwritten). */
    void headGradients(float[] dW, float[] dB) {
        java.util.Arrays.fill(dW, 0f);
        java.util.Arrays.fill(dB, 0f);
        for (float[][] g : headGrads.values()) {
            for (int i = 0; i < dW.length; i++) dW[i] += g[0][i];
            for (int i = 0; i < dB.length; i++) dB[i] += g[1][i];
        }
    }
}
