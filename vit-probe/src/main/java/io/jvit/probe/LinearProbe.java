package io.jvit.probe;

/**
 * The paper's linear probe (digest c.3), in double precision: standardise the features with the mean and
 * population std of the sampled tokens, fit ridge regression (α, unpenalised intercept) from the sampled
 * tokens' features to the ramp, and score R² on all tokens (uniform average over outputs, unbounded below).
 * Equals scikit-learn's {@code StandardScaler} + {@code Ridge(alpha)} + {@code model.score(X_all, y_all)}.
 */
public final class LinearProbe {
    private LinearProbe() {}

    /** A fitted probe: its R² and its prediction on every token, {@code prediction[output][token]}. */
    public record Fit(double r2, double[][] prediction) {}

    /** R² of the multi-feature probe. {@code target[token][output]}, {@code sample} token indices. */
    public static double r2(FeatureMap f, int[] sample, double[][] target, double alpha) {
        return fit(f, sample, target, alpha).r2();
    }

    /** The probe with its predictions on all tokens (for the ramp figure). */
    public static Fit fit(FeatureMap f, int[] sample, double[][] target, double alpha) {
        int n = sample.length, p = f.c(), k = target[0].length;
        requireSamples(n);
        double[][] z = standardised(f, sample); // (tokens, C), scaled by the samples' stats
        double[][] xs = new double[n][];
        for (int a = 0; a < n; a++) xs[a] = z[sample[a]];
        double[] xMean = new double[p]; // ≈ 0 after scaling; Ridge centres anyway
        for (double[] row : xs) for (int j = 0; j < p; j++) xMean[j] += row[j] / n;
        double[][] xc = new double[n][p];
        for (int a = 0; a < n; a++) for (int j = 0; j < p; j++) xc[a][j] = xs[a][j] - xMean[j];

        double total = 0;
        double[][] predictions = new double[k][];
        for (int o = 0; o < k; o++) {
            double yMean = 0;
            for (int idx : sample) yMean += target[idx][o] / n;
            double[] yc = new double[n];
            for (int a = 0; a < n; a++) yc[a] = target[sample[a]][o] - yMean;
            double[] coef = ridge(xc, yc, alpha);
            double intercept = yMean;
            for (int j = 0; j < p; j++) intercept -= xMean[j] * coef[j];
            double[] pred = new double[f.tokens()];
            for (int t = 0; t < pred.length; t++) {
                double s = intercept;
                double[] row = z[t];
                for (int j = 0; j < p; j++) s += row[j] * coef[j];
                pred[t] = s;
            }
            total += r2Score(target, o, pred);
            predictions[o] = pred;
        }
        return new Fit(total / k, predictions);
    }

    /** R² of one-feature probes, one per channel (the positional fingerprint's cells), for output 0. */
    public static double[] perChannelR2(FeatureMap f, int[] sample, double[][] target, double alpha) {
        return perChannelR2(f, sample, target, alpha, 0);
    }

    /** Per-channel R² for output {@code o} of the target. */
    public static double[] perChannelR2(FeatureMap f, int[] sample, double[][] target, double alpha, int o) {
        int n = sample.length, c = f.c(), tokens = f.tokens();
        requireSamples(n);
        double yMean = 0;
        for (int idx : sample) yMean += target[idx][o] / n;
        double[] out = new double[c];
        double[] pred = new double[tokens];
        for (int ch = 0; ch < c; ch++) {
            double mu = 0, var = 0;
            for (int idx : sample) mu += f.data()[idx * c + ch] / (double) n;
            for (int idx : sample) {
                double d = f.data()[idx * c + ch] - mu;
                var += d * d / n;
            }
            double sd = scale(var);
            double szz = 0, szy = 0, zMean = 0;
            for (int idx : sample) zMean += (f.data()[idx * c + ch] - mu) / sd / n;
            for (int idx : sample) {
                double zz = (f.data()[idx * c + ch] - mu) / sd - zMean;
                szz += zz * zz;
                szy += zz * (target[idx][o] - yMean);
            }
            double coef = szy / (szz + alpha), intercept = yMean - zMean * coef;
            for (int t = 0; t < tokens; t++) pred[t] = intercept + coef * (f.data()[t * c + ch] - mu) / sd;
            out[ch] = r2Score(target, o, pred);
        }
        return out;
    }

    private static void requireSamples(int n) {
        if (n < 2)
            throw new IllegalArgumentException(
                    "the sampling mask selects " + n
                            + " token(s); the probe needs at least 2 (use a SampleMask with a smaller step or a larger cutoff)");
    }

    /** sklearn's StandardScaler scale: population std, and 1 where it is zero. */
    private static double scale(double variance) {
        double s = Math.sqrt(variance);
        return s < 10 * Math.ulp(1.0) ? 1.0 : s;
    }

    /** All tokens' features standardised with the sampled tokens' mean and population std. */
    static double[][] standardised(FeatureMap f, int[] sample) {
        int c = f.c(), n = sample.length;
        double[] mu = new double[c], sd = new double[c];
        for (int idx : sample) for (int j = 0; j < c; j++) mu[j] += f.data()[idx * c + j];
        for (int j = 0; j < c; j++) mu[j] /= n;
        for (int idx : sample)
            for (int j = 0; j < c; j++) {
                double d = f.data()[idx * c + j] - mu[j];
                sd[j] += d * d;
            }
        for (int j = 0; j < c; j++) sd[j] = scale(sd[j] / n);
        double[][] z = new double[f.tokens()][c];
        for (int t = 0; t < f.tokens(); t++)
            for (int j = 0; j < c; j++) z[t][j] = (f.data()[t * c + j] - mu[j]) / sd[j];
        return z;
    }

    /** argmin ||X w − y||² + α||w||² for centred X (n × p): the smaller of the primal and dual systems. */
    static double[] ridge(double[][] x, double[] y, double alpha) {
        int n = x.length, p = x[0].length;
        if (n < p) { // dual: w = Xᵀ (X Xᵀ + αI)⁻¹ y
            double[][] g = new double[n][n];
            for (int a = 0; a < n; a++)
                for (int b = 0; b <= a; b++) {
                    double s = 0;
                    for (int j = 0; j < p; j++) s += x[a][j] * x[b][j];
                    g[a][b] = g[b][a] = s + (a == b ? alpha : 0);
                }
            double[] beta = Cholesky.solve(g, y);
            double[] w = new double[p];
            for (int a = 0; a < n; a++) for (int j = 0; j < p; j++) w[j] += x[a][j] * beta[a];
            return w;
        }
        double[][] g = new double[p][p]; // primal: (XᵀX + αI) w = Xᵀy
        double[] rhs = new double[p];
        for (int a = 0; a < n; a++)
            for (int i = 0; i < p; i++) {
                rhs[i] += x[a][i] * y[a];
                for (int j = 0; j <= i; j++) g[i][j] += x[a][i] * x[a][j];
            }
        for (int i = 0; i < p; i++) {
            g[i][i] += alpha;
            for (int j = 0; j < i; j++) g[j][i] = g[i][j];
        }
        return Cholesky.solve(g, rhs);
    }

    /** sklearn's r2_score for one output (force_finite: a constant target scores 1 if matched, else 0). */
    static double r2Score(double[][] target, int o, double[] pred) {
        int t = pred.length;
        double mean = 0;
        for (double[] row : target) mean += row[o] / t;
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < t; i++) {
            double r = target[i][o] - pred[i], d = target[i][o] - mean;
            ssRes += r * r;
            ssTot += d * d;
        }
        if (ssTot == 0) return ssRes == 0 ? 1.0 : 0.0;
        return 1 - ssRes / ssTot;
    }
}
