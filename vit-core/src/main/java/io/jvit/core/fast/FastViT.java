package io.jvit.core.fast;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Rope;
import io.jvit.core.kernel.ScalarMath;
import io.jvit.core.kernel.Strided;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.RopeTables;
import io.jvit.core.pe.SinCos2d;
import io.jvit.core.util.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fast inference engine: the same model and weights object as {@link VisionTransformer}, run without
 * the SameDiff graph. Linear layers are ND4J sgemm calls into reused buffers, attention is the fused
 * kernel ({@link FusedAttention}: no N × N matrix, the ALiBi bias from its table), LayerNorm, GELU and
 * the residuals are loops over float arrays. Memory is O(N·C) per image instead of O(H·N²) per block.
 * The element-wise passes (patch unfold, PE add, LayerNorm, SwiGLU) split their rows over the threads; each row
 * is computed the same way whatever the split, so the outputs have the same bits for every thread count.
 * Gives the same {@link ViTOutput} as {@link VisionTransformer#forward}, to 1e-4.
 */
public final class FastViT {
    private final ViTConfig config;
    private final VisionTransformer model; // null when built from float arrays
    private final Function<String, float[]> source; // a weight by name, as float32 (row-major)
    private final int threads;
    private final Gemm gemm;
    private final Map<String, float[]> params = new HashMap<>(); // the weights as float arrays, taken on first use
    private final AttentionWorkspace attention =
            new AttentionWorkspace(); // packed K/V and ALiBi tables, reused by every block
    private final Map<Long, float[]> patchPe = new HashMap<>();
    /** -Djvit.profile=true: print where a forward pass spends its time (stderr). */
    private static final boolean PROFILE = Boolean.getBoolean("jvit.profile");

    private final long[] nanos = new long[5]; // embed, linear, attention, norm+act+residual, outputs
    private long mark;

    private void lap(int slot) {
        if (!PROFILE) return;
        long now = System.nanoTime();
        nanos[slot] += now - mark;
        mark = now;
    }

    /** @param threads threads of the GEMMs and the attention kernel */
    public FastViT(VisionTransformer model, int threads) {
        this(
                model.config(),
                model,
                name -> model.weights()
                        .get(name)
                        .castTo(DataType.FLOAT)
                        .dup('c')
                        .data()
                        .asFloat(),
                threads);
        if (model.dataType() != DataType.FLOAT)
            throw new IllegalArgumentException(
                    "the fast engine runs float32 weights; this model is " + model.dataType());
    }

    /**
     * The engine on weights held as float arrays (row-major, the canonical names of {@link io.jvit.core.model.ViTWeights}),
     * without ND4J: {@link #run} needs no native library at all.
     */
    public FastViT(ViTConfig config, Map<String, float[]> weights, int threads) {
        this(
                config,
                null,
                name -> {
                    float[] w = weights.get(name);
                    if (w == null) throw new IllegalArgumentException("no weight '" + name + "'");
                    return w;
                },
                threads);
    }

    private FastViT(ViTConfig config, VisionTransformer model, Function<String, float[]> source, int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        this.config = config;
        this.model = model;
        this.source = source;
        this.threads = threads;
        this.gemm = new Gemm(threads);
    }

    /**
     * A weight as a float array, taken from the model once: the engine reads a snapshot of the weights taken at
     * first use, so a model whose weights change afterwards needs a new engine.
     */
    private float[] w(String name) {
        return params.computeIfAbsent(name, source);
    }

    public ViTConfig config() {
        return config;
    }

    /** The model this engine was built from (null when built from float arrays). */
    public VisionTransformer model() {
        return model;
    }

    public ViTOutput forward(INDArray images) {
        return forward(images, false);
    }

    /** {@code images} (B, 3, H, W), H and W multiples of the patch size; see {@link VisionTransformer#forward(INDArray, boolean)}. */
    public synchronized ViTOutput forward(INDArray images, boolean intermediates) {
        long[] s = images.shape();
        if (s.length != 4 || s[1] != 3)
            throw new IllegalArgumentException("images must be (B, 3, H, W), got " + Arrays.toString(s));
        Result r = run(
                images.castTo(DataType.FLOAT).dup('c').data().asFloat(),
                (int) s[0],
                (int) s[2],
                (int) s[3],
                intermediates);
        int batch = r.batch(), n = r.tokens(), dim = config.embedDim();
        List<INDArray> inter = new ArrayList<>();
        for (float[] x : r.intermediates()) inter.add(Nd4j.create(x, new long[] {batch, n, dim}));
        return new ViTOutput(
                r.cls() == null ? null : Nd4j.create(r.cls(), new long[] {batch, dim}),
                r.registers() == null
                        ? null
                        : Nd4j.create(r.registers(), new long[] {batch, config.numRegisters(), dim}),
                Nd4j.create(r.patchTokens(), new long[] {batch, r.gridH(), r.gridW(), dim}),
                Nd4j.create(r.preNorm(), new long[] {batch, n, dim}),
                inter,
                r.gridH(),
                r.gridW());
    }

    /**
     * The outputs of {@link #run} as float arrays, row-major.
     *
     * @param patchTokens   (B, h, w, C) final-normed patch tokens
     * @param cls           (B, C) final-normed CLS token, or null
     * @param registers     (B, R, C) final-normed registers, or null
     * @param preNorm       (B, N, C) tokens before the final norm
     * @param intermediates every block's output (B, N, C) when asked for, else empty
     */
    public record Result(
            int batch,
            int gridH,
            int gridW,
            int tokens,
            float[] patchTokens,
            float[] cls,
            float[] registers,
            float[] preNorm,
            List<float[]> intermediates) {}

    /** The forward pass on float arrays: {@code images} (B, 3, H, W) row-major, H and W multiples of the patch size. */
    public synchronized Result run(float[] images, int batch, int height, int width, boolean intermediates) {
        ViTConfig c = config;
        int p = c.patchSize();
        if (batch < 1 || images.length != (long) batch * 3 * height * width)
            throw new IllegalArgumentException(
                    images.length + " floats are not " + batch + " images of 3 × " + height + " × " + width);
        if (height % p != 0 || width % p != 0 || height < p || width < p)
            throw new IllegalArgumentException(
                    "image size " + height + "×" + width + " is not a positive multiple of the patch size " + p);
        int gh = height / p, gw = width / p, hw = gh * gw;
        int dim = c.embedDim(), prefix = c.numPrefixTokens(), n = prefix + hw, rows = batch * n;

        JitWarmup.awaitGemm(); // a cold process: the compiled kernels, not the 30 × slower first tier
        mark = System.nanoTime();
        java.util.Arrays.fill(nanos, 0);
        float[] x = tokens(images, batch, gh, gw); // (B·N, C)
        lap(0);
        AttentionShape shape = new AttentionShape(batch, n, c.numHeads(), c.headDim());
        RopeTables rope = c.pe().ropeTables(gh, gw, c.headDim());
        int fc1 = c.mlpKind() == MlpKind.GELU ? c.mlpHidden() : 2 * c.mlpHidden();
        float[] normed = new float[rows * dim], qkv = new float[rows * 3 * dim], att = new float[rows * dim];
        float[] branch = new float[rows * dim], hidden = new float[rows * fc1];
        float[] act = c.mlpKind() == MlpKind.GELU ? hidden : new float[rows * c.mlpHidden()];
        List<float[]> inter = new ArrayList<>();
        for (int i = 0; i < c.depth(); i++) {
            String b = "blocks." + i + ".";
            layerNorm(x, rows, dim, w(b + "norm1.weight"), w(b + "norm1.bias"), c.layerNormEps(), normed, threads);
            lap(3);
            gemm.linear(normed, rows, dim, w(b + "attn.qkv.weight"), c.qkvBias() ? qkvBias(i) : null, qkv);
            lap(1);
            Strided q = new Strided(qkv, 0, 3 * dim),
                    k = new Strided(qkv, dim, 3 * dim),
                    v = new Strided(qkv, 2 * dim, 3 * dim);
            if (rope != null) {
                Rope.apply(q, shape, prefix, rope);
                Rope.apply(k, shape, prefix, rope);
            }
            if (i == 0) JitWarmup.awaitAttention();
            FusedAttention.forward(q, k, v, Strided.of(att, dim), shape, bias(i, gh, gw), threads, attention);
            lap(2);
            // x += ls1 ⊙ (att·Wᵀ + b): the residual and LayerScale in the GEMM's epilogue
            gemm.linearResidual(
                    att,
                    rows,
                    dim,
                    w(b + "attn.proj.weight"),
                    w(b + "attn.proj.bias"),
                    c.layerScale() ? w(b + "ls1.gamma") : null,
                    x,
                    branch);
            lap(1);
            layerNorm(x, rows, dim, w(b + "norm2.weight"), w(b + "norm2.bias"), c.layerNormEps(), normed, threads);
            lap(3);
            if (c.mlpKind() == MlpKind.GELU)
                gemm.linearGelu(normed, rows, dim, w(b + "mlp.fc1.weight"), w(b + "mlp.fc1.bias"), hidden);
            else {
                gemm.linear(normed, rows, dim, w(b + "mlp.fc1.weight"), w(b + "mlp.fc1.bias"), hidden);
                swiglu(hidden, rows, c.mlpHidden(), act, threads);
            }
            lap(1);
            gemm.linearResidual(
                    act,
                    rows,
                    c.mlpHidden(),
                    w(b + "mlp.fc2.weight"),
                    w(b + "mlp.fc2.bias"),
                    c.layerScale() ? w(b + "ls2.gamma") : null,
                    x,
                    branch);
            lap(1);
            if (intermediates) inter.add(x.clone());
        }
        float[] preNorm = x.clone();
        layerNorm(x, rows, dim, w("norm.weight"), w("norm.bias"), c.layerNormEps(), normed, threads);
        float[] patches = new float[batch * hw * dim];
        for (int bi = 0; bi < batch; bi++)
            System.arraycopy(normed, (bi * n + prefix) * dim, patches, bi * hw * dim, hw * dim);
        float[] cls = null, regs = null;
        if (c.clsToken()) {
            cls = new float[batch * dim];
            for (int bi = 0; bi < batch; bi++) System.arraycopy(normed, bi * n * dim, cls, bi * dim, dim);
        }
        if (c.numRegisters() > 0) {
            int first = c.clsToken() ? 1 : 0, r = c.numRegisters();
            regs = new float[batch * r * dim];
            for (int bi = 0; bi < batch; bi++)
                System.arraycopy(normed, (bi * n + first) * dim, regs, bi * r * dim, r * dim);
        }
        Result result = new Result(batch, gh, gw, n, patches, cls, regs, preNorm, inter);
        lap(4);
        if (PROFILE)
            System.err.printf(
                    "fast engine: embed %.1f ms, linear (sgemm) %.1f ms, attention %.1f ms, norm/act/residual %.1f ms, outputs %.1f ms%n",
                    nanos[0] / 1e6, nanos[1] / 1e6, nanos[2] / 1e6, nanos[3] / 1e6, nanos[4] / 1e6);
        return result;
    }

    /** Patch embedding (unfold + sgemm), the PE's additive part, and the [CLS, registers, patches] order: (B·N, C). */
    private float[] tokens(float[] img, int batch, int gh, int gw) {
        ViTConfig c = config;
        int p = c.patchSize(), dim = c.embedDim(), hw = gh * gw, prefix = c.numPrefixTokens(), n = prefix + hw;
        int W = gw * p, H = gh * p, kdim = 3 * p * p;
        float[] unfolded = new float[batch * hw * kdim]; // (B·h·w, 3·p·p), channel-major like the conv kernel
        forRows(batch * gh, gw * kdim, threads, (worker, from, to) -> { // one task per row of patches
            for (int bi = from; bi < to; bi++) {
                int b = bi / gh, i = bi % gh;
                for (int j = 0; j < gw; j++) {
                    int row = (bi * gw + j) * kdim;
                    for (int ch = 0; ch < 3; ch++)
                        for (int y = 0; y < p; y++)
                            System.arraycopy(
                                    img,
                                    ((b * 3 + ch) * H + i * p + y) * W + j * p,
                                    unfolded,
                                    row + (ch * p + y) * p,
                                    p);
                }
            }
        });
        float[] emb = new float[batch * hw * dim];
        gemm.linear(unfolded, batch * hw, kdim, w("patch_embed.proj.weight"), w("patch_embed.proj.bias"), emb);
        float[] pe = patchPositions(gh, gw);
        float[] x = new float[batch * n * dim];
        PrefixTokens.assemble(
                c.clsToken() ? w("cls_token") : null,
                c.numRegisters() > 0 ? w("reg_token") : null,
                emb,
                batch,
                hw,
                dim,
                x);
        if (pe != null)
            forRows(
                    batch * hw,
                    dim,
                    threads,
                    (worker, from, to) -> { // patch row r of image r / hw gets the PE's row r % hw
                        for (int r = from; r < to; r++) {
                            int o = ((r / hw) * n + prefix + r % hw) * dim, q = (r % hw) * dim;
                            for (int t = 0; t < dim; t++) x[o + t] += pe[q + t];
                        }
                    });
        return x;
    }

    /** The (h·w, C) embedding a learned or sin-cos PE adds to the patches; null for the others. Cached per grid. */
    private float[] patchPositions(int gh, int gw) {
        ViTConfig c = config;
        return patchPe.computeIfAbsent(((long) gh << 32) | gw, key -> {
            if (c.pe() instanceof SinCos2d sc) return sc.table(gh, gw, c.embedDim());
            if (c.pe() instanceof LearnedAbsolute la) {
                float[] table = w(LearnedAbsolute.PARAM); // (g², C)
                int g2 = la.gridSize() * la.gridSize();
                if (gh == la.gridSize() && gw == la.gridSize()) return table;
                float[] k = la.resampleMatrix(gh, gw), out = new float[gh * gw * c.embedDim()]; // (h·w, g²) · (g², C)
                io.jvit.core.gemm.Sgemm.gemm(
                        false,
                        false,
                        gh * gw,
                        c.embedDim(),
                        g2,
                        1f,
                        k,
                        0,
                        g2,
                        table,
                        0,
                        c.embedDim(),
                        0f,
                        out,
                        0,
                        c.embedDim(),
                        threads);
                return out;
            }
            return null;
        });
    }

    /** Block i's qkv bias; with {@link ViTConfig#maskKBias()} (DINOv3) a copy whose k third is zero. */
    private float[] qkvBias(int block) {
        String name = "blocks." + block + ".attn.qkv.bias";
        if (!config.maskKBias()) return w(name);
        float[] masked = params.get(name + "#masked");
        if (masked == null) {
            masked = w(name).clone();
            int dim = config.embedDim();
            java.util.Arrays.fill(masked, dim, 2 * dim, 0f);
            params.put(name + "#masked", masked);
        }
        return masked;
    }

    /** Block i's attention bias: ALiBi with its slopes (constant, fixed schedule or learned), else none. */
    private AttentionBias bias(int block, int gh, int gw) {
        ViTConfig c = config;
        if (!(c.pe() instanceof Alibi2d a)) return new AttentionBias.None();
        float[] slopes = new float[c.numHeads()];
        if (a.slopes() == AlibiSlopes.LEARNED) slopes = w(Alibi2d.slopeParam(block));
        else {
            double[] v = a.slopes().values(c.numHeads());
            for (int h = 0; h < slopes.length; h++) slopes[h] = (float) v[h];
        }
        return AttentionBias.Alibi.of(a, gh, gw, c.numPrefixTokens(), slopes);
    }

    /**
     * Floats an element-wise task must touch to be worth a thread: a hand-off to the pool costs some
     * microseconds, about what a LayerNorm spends on 8k floats; smaller passes stay on the calling thread.
     */
    static final int MIN_FLOATS_PER_THREAD = 8192;

    /** An element-wise pass over {@code rows} rows of {@code width} floats, split over at most {@code threads}. */
    static void forRows(int rows, int width, int threads, Parallel.RangeBody body) {
        long perThread = Math.max(1, (long) rows * width / MIN_FLOATS_PER_THREAD);
        Parallel.forRange(rows, (int) Math.min(threads, perThread), body);
    }

    /**
     * LayerNorm over the channels of each row, population variance ({@link ScalarMath#layerNorm}: in float with the
     * Vector API, else in double; the norms of a depth-4 224² forward took 1.9–2.1 ms in double, 0.6–0.7 ms so). Each
     * row alone, so the same bits for any split.
     */
    static void layerNorm(float[] x, int rows, int dim, float[] g, float[] b, double eps, float[] out, int threads) {
        forRows(rows, dim, threads, (worker, from, to) -> {
            float[] lanes = new float[ScalarMath.layerNormScratch()];
            for (int r = from; r < to; r++) ScalarMath.layerNorm(x, r * dim, dim, g, b, eps, out, lanes);
        });
    }

    /** DINOv2-g's SwiGLU: silu(first half) · second half of each row of fc1's output. */
    private static void swiglu(float[] both, int rows, int hidden, float[] out, int threads) {
        forRows(rows, 2 * hidden, threads, (worker, from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * 2 * hidden;
                for (int c = 0; c < hidden; c++) {
                    float a = both[o + c];
                    out[r * hidden + c] = (float) (a / (1 + Math.exp(-a))) * both[o + hidden + c];
                }
            }
        });
    }
}
