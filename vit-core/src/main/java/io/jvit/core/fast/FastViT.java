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
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.RopeTables;
import io.jvit.core.pe.SinCos2d;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast inference engine: the same model and weights object as {@link VisionTransformer}, run without
 * the SameDiff graph. Linear layers are ND4J sgemm calls into reused buffers, attention is the fused
 * kernel ({@link FusedAttention}: no N × N matrix, the ALiBi bias from its table), LayerNorm, GELU and
 * the residuals are loops over float arrays. Memory is O(N·C) per image instead of O(H·N²) per block.
 * Gives the same {@link ViTOutput} as {@link VisionTransformer#forward}, to 1e-4.
 */
public final class FastViT {
    private final VisionTransformer model;
    private final int threads;
    private final Gemm gemm;
    private final Map<String, float[]> params = new HashMap<>();   // float copies of the weights, made on first use
    private final AttentionWorkspace attention = new AttentionWorkspace();   // packed K/V and ALiBi tables, reused by every block
    private final Map<Long, float[]> patchPe = new HashMap<>();
    /** -Djvit.profile=true: print where a forward pass spends its time (stderr). */
    private static final boolean PROFILE = Boolean.getBoolean("jvit.profile");
    private final long[] nanos = new long[5];            // embed, linear, attention, norm+act+residual, outputs
    private long mark;

    private void lap(int slot) {
        if (!PROFILE) return;
        long now = System.nanoTime();
        nanos[slot] += now - mark;
        mark = now;
    }

    /** @param threads threads of the GEMMs and the attention kernel */
    public FastViT(VisionTransformer model, int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (model.dataType() != DataType.FLOAT)
            throw new IllegalArgumentException("the fast engine runs float32 weights; this model is " + model.dataType());
        this.model = model;
        this.threads = threads;
        this.gemm = new Gemm(threads);
    }

    /**
     * A weight as a float array, copied from the model once: the engine reads a snapshot of the weights taken at
     * first use, so a model whose weights change afterwards needs a new engine.
     */
    private float[] w(String name) {
        return params.computeIfAbsent(name, k -> model.weights().get(k).castTo(DataType.FLOAT).dup('c').data().asFloat());
    }

    public VisionTransformer model() { return model; }

    public ViTOutput forward(INDArray images) { return forward(images, false); }

    /** {@code images} (B, 3, H, W), H and W multiples of the patch size; see {@link VisionTransformer#forward(INDArray, boolean)}. */
    public synchronized ViTOutput forward(INDArray images, boolean intermediates) {
        ViTConfig c = model.config();
        long[] s = images.shape();
        int p = c.patchSize();
        if (s.length != 4 || s[1] != 3) throw new IllegalArgumentException("images must be (B, 3, H, W), got " + Arrays.toString(s));
        if (s[2] % p != 0 || s[3] % p != 0 || s[2] < p || s[3] < p)
            throw new IllegalArgumentException("image size " + s[2] + "×" + s[3] + " is not a positive multiple of the patch size " + p);
        int batch = (int) s[0], gh = (int) (s[2] / p), gw = (int) (s[3] / p), hw = gh * gw;
        int dim = c.embedDim(), prefix = c.numPrefixTokens(), n = prefix + hw, rows = batch * n;

        mark = System.nanoTime();
        java.util.Arrays.fill(nanos, 0);
        float[] x = tokens(images.castTo(DataType.FLOAT).dup('c').data().asFloat(), batch, gh, gw);   // (B·N, C)
        lap(0);
        AttentionShape shape = new AttentionShape(batch, n, c.numHeads(), c.headDim());
        RopeTables rope = c.pe().ropeTables(gh, gw, c.headDim());
        int fc1 = c.mlpKind() == MlpKind.GELU ? c.mlpHidden() : 2 * c.mlpHidden();
        float[] normed = new float[rows * dim], qkv = new float[rows * 3 * dim], att = new float[rows * dim];
        float[] branch = new float[rows * dim], hidden = new float[rows * fc1];
        float[] act = c.mlpKind() == MlpKind.GELU ? hidden : new float[rows * c.mlpHidden()];
        List<INDArray> inter = new ArrayList<>();
        for (int i = 0; i < c.depth(); i++) {
            String b = "blocks." + i + ".";
            layerNorm(x, rows, dim, w(b + "norm1.weight"), w(b + "norm1.bias"), c.layerNormEps(), normed);
            lap(3);
            gemm.linear(normed, rows, dim, w(b + "attn.qkv.weight"), c.qkvBias() ? w(b + "attn.qkv.bias") : null, qkv);
            lap(1);
            Strided q = new Strided(qkv, 0, 3 * dim), k = new Strided(qkv, dim, 3 * dim), v = new Strided(qkv, 2 * dim, 3 * dim);
            if (rope != null) {
                Rope.apply(q, shape, prefix, rope);
                Rope.apply(k, shape, prefix, rope);
            }
            FusedAttention.forward(q, k, v, Strided.of(att, dim), shape, bias(i, gh, gw), threads, attention);
            lap(2);
            // x += ls1 ⊙ (att·Wᵀ + b): the residual and LayerScale in the GEMM's epilogue
            gemm.linearResidual(att, rows, dim, w(b + "attn.proj.weight"), w(b + "attn.proj.bias"),
                    c.layerScale() ? w(b + "ls1.gamma") : null, x, branch);
            lap(1);
            layerNorm(x, rows, dim, w(b + "norm2.weight"), w(b + "norm2.bias"), c.layerNormEps(), normed);
            lap(3);
            if (c.mlpKind() == MlpKind.GELU) gemm.linearGelu(normed, rows, dim, w(b + "mlp.fc1.weight"), w(b + "mlp.fc1.bias"), hidden);
            else {
                gemm.linear(normed, rows, dim, w(b + "mlp.fc1.weight"), w(b + "mlp.fc1.bias"), hidden);
                swiglu(hidden, rows, c.mlpHidden(), act);
            }
            lap(1);
            gemm.linearResidual(act, rows, c.mlpHidden(), w(b + "mlp.fc2.weight"), w(b + "mlp.fc2.bias"),
                    c.layerScale() ? w(b + "ls2.gamma") : null, x, branch);
            lap(1);
            if (intermediates) inter.add(Nd4j.create(x.clone(), new long[]{batch, n, dim}));
        }
        INDArray preNorm = Nd4j.create(x.clone(), new long[]{batch, n, dim});
        layerNorm(x, rows, dim, w("norm.weight"), w("norm.bias"), c.layerNormEps(), normed);
        float[] patches = new float[batch * hw * dim];
        for (int bi = 0; bi < batch; bi++) System.arraycopy(normed, (bi * n + prefix) * dim, patches, bi * hw * dim, hw * dim);
        INDArray cls = null, regs = null;
        if (c.clsToken()) {
            float[] t = new float[batch * dim];
            for (int bi = 0; bi < batch; bi++) System.arraycopy(normed, bi * n * dim, t, bi * dim, dim);
            cls = Nd4j.create(t, new long[]{batch, dim});
        }
        if (c.numRegisters() > 0) {
            int first = c.clsToken() ? 1 : 0, r = c.numRegisters();
            float[] t = new float[batch * r * dim];
            for (int bi = 0; bi < batch; bi++) System.arraycopy(normed, (bi * n + first) * dim, t, bi * r * dim, r * dim);
            regs = Nd4j.create(t, new long[]{batch, r, dim});
        }
        ViTOutput result = new ViTOutput(cls, regs, Nd4j.create(patches, new long[]{batch, gh, gw, dim}), preNorm, inter, gh, gw);
        lap(4);
        if (PROFILE)
            System.err.printf("fast engine: embed %.2f s, linear (sgemm) %.2f s, attention %.2f s, norm/act/residual %.2f s, outputs %.2f s%n",
                    nanos[0] / 1e9, nanos[1] / 1e9, nanos[2] / 1e9, nanos[3] / 1e9, nanos[4] / 1e9);
        return result;
    }

    /** Patch embedding (unfold + sgemm), the PE's additive part, and the [CLS, registers, patches] order: (B·N, C). */
    private float[] tokens(float[] img, int batch, int gh, int gw) {
        ViTConfig c = model.config();
        int p = c.patchSize(), dim = c.embedDim(), hw = gh * gw, prefix = c.numPrefixTokens(), n = prefix + hw;
        int W = gw * p, H = gh * p, kdim = 3 * p * p;
        float[] unfolded = new float[batch * hw * kdim];                  // (B·h·w, 3·p·p), channel-major like the conv kernel
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < gh; i++)
                for (int j = 0; j < gw; j++) {
                    int row = ((b * gh + i) * gw + j) * kdim;
                    for (int ch = 0; ch < 3; ch++)
                        for (int y = 0; y < p; y++)
                            System.arraycopy(img, ((b * 3 + ch) * H + i * p + y) * W + j * p, unfolded, row + (ch * p + y) * p, p);
                }
        float[] emb = new float[batch * hw * dim];
        gemm.linear(unfolded, batch * hw, kdim, w("patch_embed.proj.weight"), w("patch_embed.proj.bias"), emb);
        float[] pe = patchPositions(gh, gw);
        float[] x = new float[batch * n * dim];
        float[] cls = c.clsToken() ? w("cls_token") : null;
        float[] reg = c.numRegisters() > 0 ? w("reg_token") : null;
        for (int b = 0; b < batch; b++) {
            int o = b * n * dim;
            if (cls != null) { System.arraycopy(cls, 0, x, o, dim); o += dim; }
            if (reg != null) { System.arraycopy(reg, 0, x, o, reg.length); o += reg.length; }
            System.arraycopy(emb, b * hw * dim, x, o, hw * dim);
            if (pe != null) for (int t = 0; t < hw * dim; t++) x[o + t] += pe[t];
        }
        return x;
    }

    /** The (h·w, C) embedding a learned or sin-cos PE adds to the patches; null for the others. Cached per grid. */
    private float[] patchPositions(int gh, int gw) {
        ViTConfig c = model.config();
        return patchPe.computeIfAbsent(((long) gh << 32) | gw, key -> {
            if (c.pe() instanceof SinCos2d sc) return sc.table(gh, gw, c.embedDim());
            if (c.pe() instanceof LearnedAbsolute la) {
                INDArray table = model.weights().get(LearnedAbsolute.PARAM).reshape((long) la.gridSize() * la.gridSize(), c.embedDim());
                if (gh == la.gridSize() && gw == la.gridSize()) return table.dup('c').data().asFloat();
                INDArray k = Nd4j.create(la.resampleMatrix(gh, gw), new long[]{(long) gh * gw, (long) la.gridSize() * la.gridSize()});
                return k.mmul(table.castTo(DataType.FLOAT)).dup('c').data().asFloat();
            }
            return null;
        });
    }

    /** Block i's attention bias: ALiBi with its slopes (constant, fixed schedule or learned), else none. */
    private AttentionBias bias(int block, int gh, int gw) {
        ViTConfig c = model.config();
        if (!(c.pe() instanceof Alibi2d a)) return new AttentionBias.None();
        float[] slopes = new float[c.numHeads()];
        if (a.slopes() == AlibiSlopes.LEARNED) slopes = model.weights().get(Alibi2d.slopeParam(block)).castTo(DataType.FLOAT).data().asFloat();
        else {
            double[] v = a.slopes().values(c.numHeads());
            for (int h = 0; h < slopes.length; h++) slopes[h] = (float) v[h];
        }
        return AttentionBias.Alibi.of(a, gh, gw, c.numPrefixTokens(), slopes);
    }

    /** LayerNorm over the channels of each row, population variance, in double per row. */
    static void layerNorm(float[] x, int rows, int dim, float[] g, float[] b, double eps, float[] out) {
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            double mean = 0, var = 0;
            for (int c = 0; c < dim; c++) mean += x[o + c];
            mean /= dim;
            for (int c = 0; c < dim; c++) { double d = x[o + c] - mean; var += d * d; }
            float inv = (float) (1 / Math.sqrt(var / dim + eps)), m = (float) mean;
            for (int c = 0; c < dim; c++) out[o + c] = (x[o + c] - m) * inv * g[c] + b[c];
        }
    }

    /** DINOv2-g's SwiGLU: silu(first half) · second half of each row of fc1's output. */
    private static void swiglu(float[] both, int rows, int hidden, float[] out) {
        for (int r = 0; r < rows; r++) {
            int o = r * 2 * hidden;
            for (int c = 0; c < hidden; c++) {
                float a = both[o + c];
                out[r * hidden + c] = (float) (a / (1 + Math.exp(-a))) * both[o + hidden + c];
            }
        }
    }
}
