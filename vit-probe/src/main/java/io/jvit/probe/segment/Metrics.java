package io.jvit.probe.segment;

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
     * Painting by position: R² of the least-squares fit of a class probability map (h × w) by an affine
     * function of the pixel position (1, x, y). Near 0 when the prediction follows the image, high when it
     * follows a gradient across the field of view.
     */
    public static double positionR2(float[] prob, int h, int w) {
        double[][] a = new double[3][3];
        double[] b = new double[3];
        double mean = 0;
        for (float v : prob) mean += v / (double) prob.length;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double[] f = {1, x / (double) w, y / (double) h};
                double v = prob[y * w + x];
                for (int i = 0; i < 3; i++) { b[i] += f[i] * v; for (int j = 0; j < 3; j++) a[i][j] += f[i] * f[j]; }
            }
        double[] c = io.jvit.probe.Cholesky.solve(a, b);
        double ssRes = 0, ssTot = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double v = prob[y * w + x], fit = c[0] + c[1] * x / (double) w + c[2] * y / (double) h;
                ssRes += (v - fit) * (v - fit);
                ssTot += (v - mean) * (v - mean);
            }
        return ssTot == 0 ? 0 : 1 - ssRes / ssTot;
    }
}
