package io.jvit.train.engine;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.pe.RopeTables;

/**
 * One forward pass's record for its backward pass: the residual stream before every block and after the last
 * ({@code streams[i]} is block i's input, (B·N, C) each), every block's {@link BlockTape} (or a single one reused
 * when blocks are recomputed), the unfolded patches, the final LayerNorm's statistics and output, and the per-grid
 * constants (attention biases, RoPE tables). Not shared between threads: each data-parallel worker has its own.
 */
public final class Tape {
    final Sizes sizes;
    final float[] unfolded; // (B·h·w, 3p²)
    final float[][] streams; // depth + 1 arrays of (B·N, C)
    final BlockTape[] blocks; // depth tapes, or one (recompute)
    final float[] finalMean, finalRstd, normed;
    AttentionBias[] biases; // per pass (learned ALiBi slopes change every step)
    RopeTables rope;
    BackwardScratch scratch; // the backward pass's buffers, made by the first backward on this tape
    final AttentionWorkspace workspace = new AttentionWorkspace();

    Tape(Sizes sizes, int patchSize, int depth, boolean recompute, AttentionBias[] biases, RopeTables rope) {
        this.sizes = sizes;
        int rows = sizes.rows(), c = sizes.dim();
        unfolded = new float[sizes.batch() * sizes.patches() * 3 * patchSize * patchSize];
        streams = new float[depth + 1][rows * c];
        blocks = new BlockTape[recompute ? 1 : depth];
        for (int i = 0; i < blocks.length; i++) blocks[i] = new BlockTape(sizes);
        finalMean = new float[rows];
        finalRstd = new float[rows];
        normed = new float[rows * c];
        this.biases = biases;
        this.rope = rope;
    }

    /** Whether a pass with these sizes can record into this tape's arrays. */
    boolean fits(Sizes s, int depth, boolean recompute) {
        return sizes.equals(s) && blocks.length == (recompute ? 1 : depth);
    }

    BlockTape block(int i) {
        return blocks[blocks.length == 1 ? 0 : i];
    }

    public int batch() {
        return sizes.batch();
    }

    public int gridH() {
        return sizes.gridH();
    }

    public int gridW() {
        return sizes.gridW();
    }
    /** Tokens per image N (prefix + patches). */
    public int tokens() {
        return sizes.tokens();
    }

    public int prefixTokens() {
        return sizes.prefix();
    }

    public int width() {
        return sizes.dim();
    }

    /** The final-normed tokens of every image, (B·N, C) row-major, [CLS, registers, patches] per image. Not a copy. */
    public float[] normed() {
        return normed;
    }

    /** The final-normed patch tokens, (B, h, w, C) row-major as {@code ViTOutput.patchTokens()}; a copy. */
    public float[] patchTokens() {
        int n = sizes.tokens(), hw = sizes.patches(), c = sizes.dim();
        float[] out = new float[sizes.batch() * hw * c];
        for (int b = 0; b < sizes.batch(); b++)
            System.arraycopy(normed, (b * n + sizes.prefix()) * c, out, b * hw * c, hw * c);
        return out;
    }

    /** The block inputs' stream, block {@code i}'s input (i = depth: the final norm's input, {@code pre_norm}). Not a copy. */
    public float[] stream(int i) {
        return streams[i];
    }

    /** Floats this tape holds (what {@link TrainableViT#tapeBytes} predicts, divided by 4). */
    long floats() {
        long f = (long) unfolded.length
                + (long) streams.length * streams[0].length
                + finalMean.length
                + finalRstd.length
                + normed.length;
        for (BlockTape b : blocks) f += b.floats();
        return f;
    }
}
