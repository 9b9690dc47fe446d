package io.jvit.probe;

/**
 * A PCA fitted on one image's patch features and reusable on others (so a classifier trained on one
 * image sees the same components on the next): per-channel standardisation, top-k directions, and the
 * training image's per-component min and max for the [0, 1] scaling (the digest's pre_norm "std",
 * post_norm "minmax").
 */
public record PcaBasis(float[] mean, float[] std, float[][] components, float[] min, float[] max) {

    public static PcaBasis fit(FeatureMap f, int k) {
        return fit(f, k, true);
    }

    /** Fits on {@code f}; without {@code standardise} channels are only centred (std taken as 1). */
    public static PcaBasis fit(FeatureMap f, int k, boolean standardise) {
        int n = f.tokens(), c = f.c();
        if (k < 1 || k > c) throw new IllegalArgumentException("PCA components must be in [1, " + c + "], got " + k);
        double[] mu = new double[c], sd = new double[c];
        for (int t = 0; t < n; t++) for (int j = 0; j < c; j++) mu[j] += f.data()[t * c + j] / (double) n;
        for (int t = 0; t < n; t++)
            for (int j = 0; j < c; j++) {
                double d = f.data()[t * c + j] - mu[j];
                sd[j] += d * d / n;
            }
        float[] mean = new float[c], std = new float[c];
        for (int j = 0; j < c; j++) {
            mean[j] = (float) mu[j];
            std[j] = standardise && sd[j] > 0 ? (float) Math.sqrt(sd[j]) : 1f;
        }
        double[][] cov = new double[c][c];
        double[] z = new double[c];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < c; j++) z[j] = (f.data()[t * c + j] - mean[j]) / std[j];
            for (int i = 0; i < c; i++) for (int j = 0; j <= i; j++) cov[i][j] += z[i] * z[j];
        }
        for (int i = 0; i < c; i++) for (int j = 0; j < i; j++) cov[j][i] = cov[i][j];
        double[][] v = Pca.topEigenvectors(cov, k);
        float[][] comp = new float[k][c];
        for (int q = 0; q < k; q++) for (int j = 0; j < c; j++) comp[q][j] = (float) v[q][j];
        PcaBasis raw = new PcaBasis(mean, std, comp, null, null);
        float[] proj = raw.project(f);
        float[] lo = new float[k], hi = new float[k];
        java.util.Arrays.fill(lo, Float.MAX_VALUE);
        java.util.Arrays.fill(hi, -Float.MAX_VALUE);
        for (int t = 0; t < n; t++)
            for (int q = 0; q < k; q++) {
                lo[q] = Math.min(lo[q], proj[t * k + q]);
                hi[q] = Math.max(hi[q], proj[t * k + q]);
            }
        return new PcaBasis(mean, std, comp, lo, hi);
    }

    public int k() {
        return components.length;
    }

    /** Scaled components of every token, (tokens × k) row-major; [0, 1] on the fitting image. */
    public float[] project(FeatureMap f) {
        int n = f.tokens(), c = f.c(), k = k();
        if (c != mean.length)
            throw new IllegalArgumentException(
                    "features have " + c + " channels, the PCA was fitted on " + mean.length);
        float[] out = new float[n * k];
        for (int t = 0; t < n; t++)
            for (int q = 0; q < k; q++) {
                double s = 0;
                for (int j = 0; j < c; j++) s += (f.data()[t * c + j] - mean[j]) / std[j] * components[q][j];
                out[t * k + q] = min == null ? (float) s : (float) ((s - min[q]) / Math.max(1e-12, max[q] - min[q]));
            }
        return out;
    }
}
