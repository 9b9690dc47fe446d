package io.jvit.probe;

import java.util.Random;

/**
 * The first principal components of a feature map (paper digest e.2, {@code do_2D_pca}): optional
 * per-channel standardisation over all tokens, PCA by orthogonal (subspace) iteration on the C × C
 * covariance in double precision, and each component min-max scaled to [0, 1]: three of them make the
 * RGB picture in which positional bias shows at a glance (smooth colour ramps across a homogeneous image).
 */
public final class Pca {
    private Pca() {}

    /** Components as {@code out[token][k]} in [0, 1]. */
    public static double[][] components(FeatureMap f, int k, boolean standardise) {
        int n = f.tokens(), c = f.c();
        if (k < 1 || k > c) throw new IllegalArgumentException("PCA components must be in [1, " + c + "], got " + k);
        double[][] x = new double[n][c];
        double[] mu = new double[c], sd = new double[c];
        for (int t = 0; t < n; t++) for (int j = 0; j < c; j++) mu[j] += f.data()[t * c + j] / (double) n;
        for (int t = 0; t < n; t++) for (int j = 0; j < c; j++) { double d = f.data()[t * c + j] - mu[j]; sd[j] += d * d / n; }
        for (int t = 0; t < n; t++)
            for (int j = 0; j < c; j++) {
                double s = standardise && sd[j] > 0 ? Math.sqrt(sd[j]) : 1;
                x[t][j] = (f.data()[t * c + j] - mu[j]) / s;
            }
        double[][] cov = new double[c][c];
        for (double[] row : x)
            for (int i = 0; i < c; i++) {
                double ri = row[i];
                if (ri == 0) continue;
                for (int j = 0; j <= i; j++) cov[i][j] += ri * row[j];
            }
        for (int i = 0; i < c; i++) for (int j = 0; j < i; j++) cov[j][i] = cov[i][j];
        double[][] v = topEigenvectors(cov, k);
        double[][] out = new double[n][k];
        for (int q = 0; q < k; q++) {
            double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (int t = 0; t < n; t++) {
                double s = 0;
                for (int j = 0; j < c; j++) s += x[t][j] * v[q][j];
                out[t][q] = s;
                lo = Math.min(lo, s);
                hi = Math.max(hi, s);
            }
            for (int t = 0; t < n; t++) out[t][q] = hi > lo ? (out[t][q] - lo) / (hi - lo) : 0.5;
        }
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
            if (norm == 0) { v[q][q % v[q].length] = 1; continue; }
            for (int j = 0; j < v[q].length; j++) v[q][j] /= norm;
        }
    }
}
