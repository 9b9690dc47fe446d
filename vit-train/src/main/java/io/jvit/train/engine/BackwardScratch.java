package io.jvit.train.engine;

/** The gradient buffers one backward pass reuses for every block (rows = B·N); allocated once per pass. */
final class BackwardScratch {
    final float[] dBranch, dNormed, dAtt; // (rows, C)
    final float[] dQkv; // (rows, 3C)
    final float[] dPre; // (rows, fc1)
    final float[] dAct; // (rows, hidden)

    BackwardScratch(Sizes s) {
        int rows = s.rows(), c = s.dim();
        dBranch = new float[rows * c];
        dNormed = new float[rows * c];
        dAtt = new float[rows * c];
        dQkv = new float[rows * 3 * c];
        dPre = new float[rows * s.fc1()];
        dAct = new float[rows * s.hidden()];
    }
}
