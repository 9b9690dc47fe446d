package io.jvit.train.engine;

/**
 * What one block's forward pass keeps for its backward pass, rows = B·N (the block's input x lives in the
 * {@link Tape}'s residual stream, not here). Floats: rows·(9·C + fc1 + hidden + 4) + B·H·N, that is
 * normed1, att, branch1, mid, normed2, branch2 (C each), qkv (3C), fc1's output, the activation (hidden),
 * two LayerNorms' μ and σ⁻¹, and attention's log-sum-exp.
 */
final class BlockTape {
    final float[] ln1Mean, ln1Rstd, normed1; // (rows), (rows), (rows, C)
    final float[] qkv; // (rows, 3C): q and k already rotated (RoPE), as attention saw them
    final float[] att, lse; // attention output (rows, C) before proj; log-sum-exp (B·H·N)
    final float[] branch1; // proj output (rows, C): LayerScale's dγ needs it
    final float[] mid; // x + γ1·branch1 (rows, C): LayerNorm 2's input
    final float[] ln2Mean, ln2Rstd, normed2;
    final float[] pre; // fc1 output (rows, fc1)
    final float[] act; // GELU(pre) or SwiGLU(pre) (rows, hidden)
    final float[] branch2; // fc2 output (rows, C)

    BlockTape(Sizes s) {
        int rows = s.rows(), c = s.dim();
        ln1Mean = new float[rows];
        ln1Rstd = new float[rows];
        normed1 = new float[rows * c];
        qkv = new float[rows * 3 * c];
        att = new float[rows * c];
        lse = new float[s.batch() * s.heads() * s.tokens()];
        branch1 = new float[rows * c];
        mid = new float[rows * c];
        ln2Mean = new float[rows];
        ln2Rstd = new float[rows];
        normed2 = new float[rows * c];
        pre = new float[rows * s.fc1()];
        act = new float[rows * s.hidden()];
        branch2 = new float[rows * c];
    }

    /** Floats held, for the memory formula's test. */
    long floats() {
        return (long) ln1Mean.length
                + ln1Rstd.length
                + normed1.length
                + qkv.length
                + att.length
                + lse.length
                + branch1.length
                + mid.length
                + ln2Mean.length
                + ln2Rstd.length
                + normed2.length
                + pre.length
                + act.length
                + branch2.length;
    }
}
