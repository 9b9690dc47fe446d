package io.jvit.train.engine;

/** The residual add of a block's branch, with DINOv2's LayerScale: x += γ ⊙ branch (γ null: plain x += branch). */
final class Residual {
    private Residual() {}

    static void forward(float[] x, float[] branch, float[] gamma, int rows, int dim) {
        if (gamma == null) {
            for (int i = 0; i < rows * dim; i++) x[i] += branch[i];
            return;
        }
        for (int r = 0; r < rows; r++) for (int c = 0; c < dim; c++) x[r * dim + c] += gamma[c] * branch[r * dim + c];
    }

    /**
     * From dx (the stream's gradient, which passes through the add unchanged): dBranch = γ ⊙ dx (overwritten) and
     * dγ += Σ_rows dx ⊙ branch. Without LayerScale dBranch = dx.
     */
    static void backward(
            float[] dx, float[] branch, float[] gamma, int rows, int dim, float[] dBranch, float[] dGamma) {
        if (gamma == null) {
            System.arraycopy(dx, 0, dBranch, 0, rows * dim);
            return;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < dim; c++) {
                int i = r * dim + c;
                dBranch[i] = gamma[c] * dx[i];
                dGamma[c] += dx[i] * branch[i];
            }
    }
}
