package io.jvit.segment;

/** Segmentation scores against dense ground truth, and a measure of painting by position. */
public final class Metrics {
    private Metrics() {}

    /** Per-class IoU (over the ground truth's classes), their mean, and pixel accuracy. */
    public record Scores(int[] classes, double[] iou, double meanIou, double accuracy) {}

    /** {@code predicted} and {@code truth} hold grey values; pixels where truth is 0 are ignored. */
    public static Scores score(int[] predicted, int[] truth, int[] classes) {
        double[] iou = new double[classes.length];
        long correct = 0, total = 0;
        for (int k = 0; k < classes.length; k++) {
            long inter = 0, union = 0;
            for (int i = 0; i < truth.length; i++) {
                if (truth[i] == 0) continue;
                boolean p = predicted[i] == classes[k], t = truth[i] == classes[k];
                if (p && t) inter++;
                if (p || t) union++;
            }
            iou[k] = union == 0 ? Double.NaN : (double) inter / union;
        }
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == 0) continue;
            total++;
            if (predicted[i] == truth[i]) correct++;
        }
        double mean = 0;
        for (double v : iou) mean += v / iou.length;
        return new Scores(classes, iou, mean, (double) correct / total);
    }

    /**
     * Painting by position: R² of the least-squares fit of a class probability map (h × w) by a quadratic
     * function of the pixel position (1, x, y, x², xy, y², with x, y ∈ [−1, 1]), which captures both a
     * gradient across the field of view and a centre-versus-edge pattern (scribbles in the centre).
     * Near 0 when the prediction follows the microstructure, high when it follows where the pixel is.
     */
    public static double positionR2(float[] prob, int h, int w) {
        int m = 6;
        double[][] a = new double[m][m];
        double[] b = new double[m];
        double mean = 0;
        for (float v : prob) mean += v / (double) prob.length;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double[] f = basis(x, y, h, w);
                double v = prob[y * w + x];
                for (int i = 0; i < m; i++) {
                    b[i] += f[i] * v;
                    for (int j = 0; j < m; j++) a[i][j] += f[i] * f[j];
                }
            }
        for (int i = 0; i < m; i++) a[i][i] += 1e-9 * h * w; // keeps 1-pixel-wide images solvable
        double[] c = io.jvit.probe.Cholesky.solve(a, b);
        double ssRes = 0, ssTot = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double[] f = basis(x, y, h, w);
                double fit = 0;
                for (int i = 0; i < m; i++) fit += c[i] * f[i];
                double v = prob[y * w + x];
                ssRes += (v - fit) * (v - fit);
                ssTot += (v - mean) * (v - mean);
            }
        return ssTot == 0 ? 0 : 1 - ssRes / ssTot;
    }

    private static double[] basis(int x, int y, int h, int w) {
        double u = 2.0 * (x + 0.5) / w - 1, v = 2.0 * (y + 0.5) / h - 1;
        return new double[] {1, u, v, u * u, u * v, v * v};
    }
}
