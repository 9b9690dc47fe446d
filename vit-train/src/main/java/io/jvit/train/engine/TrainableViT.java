package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.RopeTables;

/**
 * The training engine's model: a ViT's forward pass on float arrays that keeps what its hand-written backward pass
 * needs ({@link Tape}), and that backward pass, which adds ∂L/∂θ for every parameter to a gradient {@link Params}.
 * It computes what {@code io.jvit.core.fast.FastViT} computes: patch embedding as unfold + matmul, the PE's additive
 * table (learned through its resampling matrix, or sin-cos), [CLS, registers, patches], pre-norm blocks with
 * RoPE / ALiBi inside attention, LayerScale, GELU or SwiGLU, and the final LayerNorm over every token.
 *
 * <p>One instance serves one thread at a time per tape: data-parallel workers share the instance (parameters and
 * constants are read-only during a pass) and each has its own tape and gradient buffer ({@link GradientStep}).
 *
 * <h2>Activation memory of one pass</h2>
 * With R = B·N token rows (N = prefix + h·w), width C, fc1 = hidden (GELU) or 2·hidden (SwiGLU), H heads, depth D,
 * patch p, and L = D blocks taped (L = 1 with {@code recompute}), the tape holds, in bytes,
 * <pre>
 *   4 · [ (D + 1)·R·C                      residual stream before every block and after the last
 *       + R·C + 2R                         final LayerNorm output, μ, σ⁻¹
 *       + B·h·w·3p²                        unfolded patches (patch embedding's dW)
 *       + L·( R·(9C + fc1 + hidden + 4)    per block: normed1, att, branch1, mid, normed2, branch2, qkv (3C), fc1 out,
 *             + B·H·N ) ]                  activation, LayerNorm μ/σ⁻¹ ×2; attention's log-sum-exp
 * </pre>
 * and the backward pass adds 4·R·(7C + fc1 + hidden) bytes of gradient scratch (stream, branch, normed, att, qkv (3C),
 * fc1, activation), plus the attention kernel's O(N·d) per (image, head) workspace. Never an N × N matrix.
 * With recompute every block's forward runs twice (once in the forward pass, once just before its backward),
 * about a third more compute, for D − 1 fewer block tapes. See {@link #tapeBytes}.
 */
public final class TrainableViT {
    private final ViTConfig config;
    private final Params params;
    private final boolean recompute;
    private final PositionTable positions;

    /**
     * @param params    the parameters (read at every pass: an optimiser updates them in place between passes)
     * @param recompute keep only the residual stream between blocks and recompute each block's activations in the backward pass
     */
    public TrainableViT(ViTConfig config, Params params, boolean recompute) {
        for (String k : ViTWeights.expectedShapes(config).keySet())
            if (!params.has(k))
                throw new IllegalArgumentException("parameters lack '" + k + "' for this configuration");
        this.config = config;
        this.params = params;
        this.recompute = recompute;
        this.positions = new PositionTable(config);
    }

    public ViTConfig config() {
        return config;
    }

    public Params params() {
        return params;
    }

    public boolean recompute() {
        return recompute;
    }

    /** Bytes one tape holds for B images of an h × w grid (the formula in the class comment). */
    public static long tapeBytes(ViTConfig c, int batch, int gridH, int gridW, boolean recompute) {
        Sizes s = Sizes.of(c, batch, gridH, gridW);
        long r = s.rows(), C = s.dim(), p = c.patchSize();
        long perBlock = r * (9 * C + s.fc1() + s.hidden() + 4) + (long) batch * s.heads() * s.tokens();
        return 4
                * ((c.depth() + 1) * r * C
                        + r * C
                        + 2 * r
                        + (long) batch * s.patches() * 3 * p * p
                        + (recompute ? 1 : c.depth()) * perBlock);
    }

    /**
     * The forward pass. {@code images} is (B, 3, H, W) row-major, H and W positive multiples of the patch size.
     * @param threads threads of the GEMM and attention kernels inside this pass
     */
    public Tape forward(float[] images, int batch, int height, int width, int threads) {
        return forward(images, batch, height, width, threads, null);
    }

    /**
     * The same, recording into {@code reuse}'s arrays when its sizes fit (then {@code reuse} is returned and its earlier
     * record is gone): a training loop's steps allocate their activations once instead of once per step (at 224² × 8
     * on ViT-S, 0.7 GB of garbage per step that the heap grew to hold).
     */
    public Tape forward(float[] images, int batch, int height, int width, int threads, Tape reuse) {
        int p = config.patchSize();
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (height % p != 0 || width % p != 0 || height < p || width < p)
            throw new IllegalArgumentException(
                    "image size " + height + "×" + width + " is not a positive multiple of the patch size " + p);
        if (images.length != batch * 3 * height * width)
            throw new IllegalArgumentException(
                    images.length + " floats are not " + batch + " images of 3×" + height + "×" + width);
        int gh = height / p, gw = width / p;
        Sizes s = Sizes.of(config, batch, gh, gw);
        AttentionBias[] biases = new AttentionBias[config.depth()];
        for (int i = 0; i < biases.length; i++) biases[i] = AttentionBiases.of(config, params, i, gh, gw);
        RopeTables rope = config.pe().ropeTables(gh, gw, config.headDim());
        Tape t;
        if (reuse != null && reuse.fits(s, config.depth(), recompute)) {
            t = reuse;
            t.biases = biases;
            t.rope = rope;
        } else t = new Tape(s, p, config.depth(), recompute, biases, rope);

        float[] emb = new float[batch * s.patches() * s.dim()];
        PatchEmbedding.forward(params, images, s, p, t.unfolded, emb, threads);
        Tokens.forward(config, params, s, emb, positions.forward(params, gh, gw, threads), t.streams[0]);
        for (int i = 0; i < config.depth(); i++)
            Block.forward(
                    config,
                    params,
                    i,
                    s,
                    t.streams[i],
                    t.streams[i + 1],
                    t.block(i),
                    biases[i],
                    rope,
                    t.workspace,
                    threads);
        LayerNorm.forward(
                t.streams[config.depth()],
                s.rows(),
                s.dim(),
                params.get("norm.weight"),
                params.get("norm.bias"),
                config.layerNormEps(),
                t.normed,
                t.finalMean,
                t.finalRstd,
                threads);
        return t;
    }

    /**
     * The backward pass: from dNormed = ∂L/∂(final-normed tokens), (B·N, C) like {@link Tape#normed()}, adds ∂L/∂θ of
     * every parameter to {@code grads} (same names as the parameters). With recompute, each block's forward is run again
     * from its saved input just before its backward.
     */
    public void backward(Tape t, float[] dNormed, Params grads, int threads) {
        Sizes s = t.sizes;
        int rows = s.rows(), dim = s.dim(), depth = config.depth();
        if (dNormed.length != rows * dim)
            throw new IllegalArgumentException(
                    "dNormed has " + dNormed.length + " floats, the tape's tokens " + rows + " × " + dim);
        float[] dx = new float[rows * dim]; // ∂L/∂stream, carried down through the blocks
        LayerNorm.backward(
                dNormed,
                t.streams[depth],
                t.finalMean,
                t.finalRstd,
                params.get("norm.weight"),
                rows,
                dim,
                dx,
                grads.get("norm.weight"),
                grads.get("norm.bias"),
                threads);
        BackwardScratch sc = t.scratch == null ? (t.scratch = new BackwardScratch(s)) : t.scratch;
        for (int i = depth - 1; i >= 0; i--) {
            if (recompute)
                Block.forward(
                        config,
                        params,
                        i,
                        s,
                        t.streams[i],
                        t.streams[i + 1],
                        t.block(i),
                        t.biases[i],
                        t.rope,
                        t.workspace,
                        threads);
            Block.backward(
                    config,
                    params,
                    grads,
                    i,
                    s,
                    t.streams[i],
                    dx,
                    t.block(i),
                    t.biases[i],
                    t.rope,
                    sc,
                    t.workspace,
                    threads);
        }
        float[] dEmb = new float[s.batch() * s.patches() * dim];
        float[] dPe = positions.additive() ? new float[s.patches() * dim] : null;
        Tokens.backward(config, grads, s, dx, dEmb, dPe);
        if (dPe != null) positions.backward(grads, dPe, s.gridH(), s.gridW(), threads);
        PatchEmbedding.backward(params, grads, dEmb, t.unfolded, s, config.patchSize(), threads);
    }

    /** A zeroed gradient buffer for this model's parameters. */
    public Params newGradients() {
        return Params.zerosLike(params);
    }
}
