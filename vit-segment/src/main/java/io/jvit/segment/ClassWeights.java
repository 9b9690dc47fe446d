package io.jvit.segment;

/**
 * Per-sample weights that balance the classes of the scribbles partially: class k with n_k of n scribbled pixels and K
 * classes weighs (n / (K · n_k))^α. α = 0 weighs every pixel 1 (unweighted); α = 1 is fully balanced (scikit-learn's
 * {@code class_weight='balanced'}: every class the same total weight); in between, a minority with a few dozen scribbled
 * pixels gets more weight than its count without being over-predicted as under full balancing (docs/segmentation.md).
 */
public final class ClassWeights {
    private ClassWeights() {}

    /** The weight of each class: (n / (K · n_k))^α; every class must have at least one sample. */
    public static double[] perClass(int[] count, double power) {
        if (!(power >= 0 && power <= 1))
            throw new IllegalArgumentException("class weight power must be in [0, 1], got " + power);
        long n = 0;
        for (int c : count) n += c;
        double[] w = new double[count.length];
        for (int k = 0; k < count.length; k++) {
            if (count[k] <= 0) throw new IllegalArgumentException("class index " + k + " has no scribbled pixels");
            w[k] = power == 0 ? 1 : Math.pow((double) n / ((double) count.length * count[k]), power);
        }
        return w;
    }

    /** The weight of each sample of labels {@code y} (class indices 0…classes−1). */
    public static float[] perSample(int[] y, int classes, double power) {
        int[] count = new int[classes];
        for (int c : y) count[c]++;
        double[] wk = perClass(count, power);
        float[] w = new float[y.length];
        for (int i = 0; i < y.length; i++) w[i] = (float) wk[y[i]];
        return w;
    }
}
