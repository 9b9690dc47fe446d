package io.jvit.probe;

/**
 * A linear classifier for probing features: scikit-learn's {@code RidgeClassifier(alpha)}. Each class is a ridge
 * regression onto ±1 targets (unpenalised intercept); a sample gets the class of the largest decision value. In
 * double precision, with the positional probe's ridge solver ({@code LinearProbe.ridge}), so meant for probe sizes.
 */
public final class RidgeClassifier {
    private final double[][] coef; // [class][feature]
    private final double[] intercept; // [class]

    private RidgeClassifier(double[][] coef, double[] intercept) {
        this.coef = coef;
        this.intercept = intercept;
    }

    /** Fits on {@code x[sample][feature]} with labels {@code y[sample]} in 0…classes−1. */
    public static RidgeClassifier fit(float[][] x, int[] y, int classes, double alpha) {
        int n = x.length, p = x[0].length;
        if (n != y.length) throw new IllegalArgumentException(n + " samples but " + y.length + " labels");
        if (!(alpha > 0)) throw new IllegalArgumentException("alpha must be > 0, got " + alpha);
        double[] xMean = new double[p];
        for (float[] row : x) for (int j = 0; j < p; j++) xMean[j] += row[j] / (double) n;
        double[][] xc = new double[n][p];
        for (int a = 0; a < n; a++) for (int j = 0; j < p; j++) xc[a][j] = x[a][j] - xMean[j];
        double[][] coef = new double[classes][];
        double[] intercept = new double[classes];
        for (int c = 0; c < classes; c++) {
            double yMean = 0;
            for (int label : y) yMean += (label == c ? 1.0 : -1.0) / n;
            double[] yc = new double[n];
            for (int a = 0; a < n; a++) yc[a] = (y[a] == c ? 1.0 : -1.0) - yMean;
            coef[c] = LinearProbe.ridge(xc, yc, alpha); // the probe's ridge (its dual form when samples < features)
            double b = yMean;
            for (int j = 0; j < p; j++) b -= xMean[j] * coef[c][j];
            intercept[c] = b;
        }
        return new RidgeClassifier(coef, intercept);
    }

    /** The decision value of each class for one sample. */
    public double[] decision(float[] sample) {
        double[] d = new double[coef.length];
        for (int c = 0; c < coef.length; c++) {
            double s = intercept[c];
            for (int j = 0; j < sample.length; j++) s += coef[c][j] * sample[j];
            d[c] = s;
        }
        return d;
    }

    /** The predicted class (ties to the lower index, as numpy's argmax). */
    public int predict(float[] sample) {
        double[] d = decision(sample);
        int best = 0;
        for (int c = 1; c < d.length; c++) if (d[c] > d[best]) best = c;
        return best;
    }
}
