package io.jvit.train.engine;

/**
 * LayerNorm over the channels of each token row: y = (x − μ)·σ⁻¹·g + b, population variance, μ and σ⁻¹ per row
 * in double and rounded to float exactly as {@code FastViT} does, and saved for the backward pass
 * (2 floats per row instead of the normalised copy). Rows are split over threads ({@link Rows}).
 */
final class LayerNorm {
    private LayerNorm() {}

    /** x, y (rows, dim); mean and rstd (rows) receive μ and 1/√(σ² + eps). */
    static void forward(
            float[] x,
            int rows,
            int dim,
            float[] g,
            float[] b,
            double eps,
            float[] y,
            float[] mean,
            float[] rstd,
            int threads) {
        Rows.forEach(rows, dim, threads, (w, from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * dim;
                double mu = 0, var = 0;
                for (int c = 0; c < dim; c++) mu += x[o + c];
                mu /= dim;
                for (int c = 0; c < dim; c++) {
                    double d = x[o + c] - mu;
                    var += d * d;
                }
                float inv = (float) (1 / Math.sqrt(var / dim + eps)), m = (float) mu;
                for (int c = 0; c < dim; c++) y[o + c] = (x[o + c] - m) * inv * g[c] + b[c];
                mean[r] = m;
                rstd[r] = inv;
            }
        });
    }

    /**
     * From dy (rows, dim): dx += σ⁻¹·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·g and x̂ = (x − μ)·σ⁻¹ (added, not
     * written: dx is the residual stream's gradient, which also flows around the norm); dg += Σ_rows dy·x̂, db += Σ_rows dy
     * (each worker sums its rows, the workers' sums are added in worker order).
     */
    static void backward(
            float[] dy,
            float[] x,
            float[] mean,
            float[] rstd,
            float[] g,
            int rows,
            int dim,
            float[] dx,
            float[] dg,
            float[] db,
            int threads) {
        int t = Rows.workers(rows, dim, threads);
        float[][] dgs = new float[t][], dbs = new float[t][];
        Rows.forEach(rows, dim, threads, (w, from, to) -> {
            float[] pg = t == 1 ? dg : new float[dim], pb = t == 1 ? db : new float[dim];
            dgs[w] = pg;
            dbs[w] = pb;
            for (int r = from; r < to; r++) {
                int o = r * dim;
                float m = mean[r], inv = rstd[r];
                double sumG = 0, sumGX = 0;
                for (int c = 0; c < dim; c++) {
                    float xhat = (x[o + c] - m) * inv, gh = dy[o + c] * g[c];
                    sumG += gh;
                    sumGX += (double) gh * xhat;
                    pg[c] += dy[o + c] * xhat;
                    pb[c] += dy[o + c];
                }
                float meanG = (float) (sumG / dim), meanGX = (float) (sumGX / dim);
                for (int c = 0; c < dim; c++) {
                    float xhat = (x[o + c] - m) * inv;
                    dx[o + c] += inv * (dy[o + c] * g[c] - meanG - xhat * meanGX);
                }
            }
        });
        if (t > 1)
            for (int w = 0; w < t; w++)
                for (int c = 0; c < dim; c++) {
                    dg[c] += dgs[w][c];
                    db[c] += dbs[w][c];
                }
    }
}
