package io.jvit.probe;

import java.util.Random;

/**
 * The first principal components of a feature map (paper digest e.2, {@code do_2D_pca}): optional
 * per-channel standardisation over all tokens, PCA by orthogonal (subspace) iteration on the C × C
 * covariance in double precision ({@link PcaBasis}), and each component min-max scaled to [0, 1]: three of them make the
 * RGB picture in which positional bias shows at a glance (smooth colour ramps across a homogeneous image).
 */
public final class Pca {
    private Pca() {}

    /** Components as {@code out[token][k]} in [0, 1]. */
    public static double[][] components(FeatureMap f, int k, boolean standardise) {
        PcaBasis basis = PcaBasis.fit(f, k, standardise);
        float[] p = basis.project(f);
        double[][] out = new double[f.tokens()][k];
        // on the fitting image the scaled components span [0, 1]; clamp the float rounding at the ends
        for (int t = 0; t < out.length; t++)
            for (int q = 0; q < k; q++) out[t][q] = Math.min(1, Math.max(0, p[t * k + q]));
        return out;
    }

    /** The k leading eigenvectors of a symmetric positive semi-definite matrix, {@code v[k][dim]}, by decreasing eigenvalue. */
    public static double[][] topEigenvectors(double[][] a, int k) {
        int d = a.length;
        Random rnd = new Random(0);
        double[][] v = new double[k][d];
        for (double[] row : v) for (int j = 0; j < d; j++) row[j] = rnd.nextGaussian();
        orthonormalise(v);
        for (int it = 0; it < 500; it++) {
            double[][] next = new double[k][d];
            for (int q = 0; q < k; q++)
                for (int i = 0; i < d; i++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += a[i][j] * v[q][j];
                    next[q][i] = s;
                }
            orthonormalise(next);
            double change = 0;
            for (int q = 0; q < k; q++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += next[q][j] * v[q][j];
                change = Math.max(change, 1 - Math.abs(dot));
            }
            v = next;
            if (change < 1e-13) break;
        }
        return v;
    }

    /** Modified Gram–Schmidt on the rows. */
    private static void orthonormalise(double[][] v) {
        for (int q = 0; q < v.length; q++) {
            for (int p = 0; p < q; p++) {
                double dot = 0;
                for (int j = 0; j < v[q].length; j++) dot += v[q][j] * v[p][j];
                for (int j = 0; j < v[q].length; j++) v[q][j] -= dot * v[p][j];
            }
            double norm = 0;
            for (double x : v[q]) norm += x * x;
            norm = Math.sqrt(norm);
            if (norm == 0) {
                v[q][q % v[q].length] = 1;
                continue;
            }
            for (int j = 0; j < v[q].length; j++) v[q][j] /= norm;
        }
    }
}
