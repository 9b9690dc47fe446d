package io.jvit.segment;

/**
 * Segmentation scores pooled over several images (the slices of a stack): per-class intersections and unions, and
 * correct pixels, summed over every image before dividing, so that the overall IoU weighs each pixel once (not each
 * slice once, which would let a slice with a few pixels of a class count as much as one full of it).
 */
public final class PooledScores {
    private final int[] classes;
    private final long[] inter, union;
    private long correct, total;

    /** @param classes the ground truth's grey values, as {@link Metrics#score} takes them */
    public PooledScores(int[] classes) {
        this.classes = classes.clone();
        inter = new long[classes.length];
        union = new long[classes.length];
    }

    /** Adds one image: grey values, pixels where the truth is 0 ignored. */
    public void add(int[] predicted, int[] truth) {
        if (predicted.length != truth.length)
            throw new IllegalArgumentException(
                    predicted.length + " predicted pixels, " + truth.length + " in the truth");
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == 0) continue;
            total++;
            if (predicted[i] == truth[i]) correct++;
            for (int k = 0; k < classes.length; k++) {
                boolean p = predicted[i] == classes[k], t = truth[i] == classes[k];
                if (p && t) inter[k]++;
                if (p || t) union[k]++;
            }
        }
    }

    /** The pooled scores: a class never predicted nor in the truth has IoU NaN, as {@link Metrics#score}. */
    public Metrics.Scores scores() {
        double[] iou = new double[classes.length];
        double mean = 0;
        for (int k = 0; k < classes.length; k++) {
            iou[k] = union[k] == 0 ? Double.NaN : (double) inter[k] / union[k];
            mean += iou[k] / classes.length;
        }
        return new Metrics.Scores(classes.clone(), iou, mean, total == 0 ? Double.NaN : (double) correct / total);
    }
}
