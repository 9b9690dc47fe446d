package io.jvit.train.engine;

import java.util.Locale;

/**
 * The distillation loss on final-normed patch tokens s against the teacher's t (blanked channels are zeros in t),
 * exactly {@code io.jvit.train.samediff.DistillationLoss}: cosine = mean over (B, h, w) of 1 − s·t / (‖s‖·‖t‖ + 1e-8);
 * MSE = mean over (B, h, w, C) of (s − t)². Prefix tokens (CLS, registers) get no loss and no gradient.
 * The means divide by the whole step's image count, so sub-batches (micro-batches, data-parallel workers) add up
 * to the full batch's loss and gradient.
 */
public enum FeatureLoss {
    COSINE,
    MSE;

    public static FeatureLoss parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("loss must be cosine or mse, got '" + s + "'");
        }
    }

    /**
     * This sub-batch's share of the loss, and its gradient.
     *
     * @param normed      the sub-batch's final-normed tokens, (count·N, C) as {@link Tape#normed()}
     * @param targets     the whole batch's targets (total, h, w, C); this sub-batch's are images first … first+count−1
     * @param totalImages the step's batch size (the mean's denominator)
     * @param dNormed     receives ∂L/∂normed (count·N, C), overwritten (0 on prefix tokens)
     * @return Σ over this sub-batch's tokens of the per-token loss, divided by the step's token (cosine) or element (MSE) count
     */
    public double forwardBackward(
            float[] normed,
            int count,
            int prefix,
            int patches,
            int dim,
            float[] targets,
            int first,
            int totalImages,
            float[] dNormed) {
        int n = prefix + patches;
        java.util.Arrays.fill(dNormed, 0, count * n * dim, 0f);
        double loss = 0;
        double perToken = 1.0 / ((double) totalImages * patches), perElement = perToken / dim;
        for (int b = 0; b < count; b++)
            for (int i = 0; i < patches; i++) {
                int so = ((b * n) + prefix + i) * dim, to = ((first + b) * patches + i) * dim;
                if (this == COSINE) {
                    double dot = 0, ss = 0, tt = 0;
                    for (int c = 0; c < dim; c++) {
                        double sv = normed[so + c], tv = targets[to + c];
                        dot += sv * tv;
                        ss += sv * sv;
                        tt += tv * tv;
                    }
                    double ns = Math.sqrt(ss), nt = Math.sqrt(tt), den = ns * nt + 1e-8;
                    loss += (1 - dot / den) * perToken;
                    // ∂(1 − dot/den)/∂s = −t/den + dot·nt·s/(ns·den²)
                    double a = -perToken / den, bcoef = ns == 0 ? 0 : perToken * dot * nt / (ns * den * den);
                    for (int c = 0; c < dim; c++)
                        dNormed[so + c] = (float) (a * targets[to + c] + bcoef * normed[so + c]);
                } else {
                    double sum = 0;
                    for (int c = 0; c < dim; c++) {
                        double d = (double) normed[so + c] - targets[to + c];
                        sum += d * d;
                        dNormed[so + c] = (float) (2 * d * perElement);
                    }
                    loss += sum * perElement;
                }
            }
        return loss;
    }
}
