package io.jvit.core.model;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.GraphContext;
import io.jvit.core.pe.RopeTables;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The SameDiff graph of a ViT for one token grid (h × w patches), any batch size.
 * Parameters are graph variables that reference the {@link ViTWeights} arrays (so training updates
 * them in place); parameters named in {@code frozen} become constants.
 *
 * <p>Named outputs: {@value #IMAGES} (placeholder, (B, 3, h·p, w·p)), {@value #PATCH_TOKENS} (B, h, w, C),
 * {@value #CLS} (B, C), {@value #REGISTERS} (B, R, C), {@value #PRE_NORM} (B, N, C), {@code block_i} (B, N, C).
 */
public final class ViTGraph {
    public static final String IMAGES = "images";
    public static final String PATCH_TOKENS = "patch_tokens";
    public static final String CLS = "cls";
    public static final String REGISTERS = "registers";
    public static final String PRE_NORM = "pre_norm";

    private final SameDiff sd;
    private final ViTConfig config;
    private final int gridH, gridW;

    public static String blockOutput(int i) {
        return "block_" + i;
    }

    ViTGraph(ViTConfig c, ViTWeights weights, int gridH, int gridW, DataType type, Set<String> frozen) {
        this.config = c;
        this.gridH = gridH;
        this.gridW = gridW;
        this.sd = SameDiff.create();
        Map<String, INDArray> w = weights.asMap();
        GraphContext g = new GraphContext(sd, c, gridH, gridW, type, name -> {
            SDVariable v = sd.getVariable(name);
            if (v != null) return v;
            INDArray a = w.get(name);
            if (a == null) throw new IllegalStateException("model has no parameter '" + name + "'");
            return frozen.contains(name) ? sd.constant(name, a) : sd.var(name, a);
        });
        int p = c.patchSize(), dim = c.embedDim(), hw = gridH * gridW, n = g.numTokens();

        SDVariable images = sd.placeHolder(IMAGES, type, -1, 3, (long) gridH * p, (long) gridW * p);
        // Patch embedding = a stride-p convolution, written as unfold + matmul: (B, h·w, C).
        SDVariable unfolded = images.reshape(-1, 3, gridH, p, gridW, p)
                .permute(0, 2, 4, 1, 3, 5)
                .reshape(-1, 3L * p * p); // (B·h·w, 3p²)
        SDVariable kernel = g.param("patch_embed.proj.weight").reshape(dim, 3L * p * p);
        SDVariable x = sd.mmul(unfolded, kernel, false, true, false)
                .add(g.param("patch_embed.proj.bias"))
                .reshape(-1, hw, dim); // (B, h·w, C)
        SDVariable pe = c.pe().patchEmbedding(g);
        if (pe != null) x = x.add(pe);

        // Token order [CLS, REG1..REGr, patches], as timm DINOv2-reg and DINOv3.
        if (c.numRegisters() > 0) x = sd.concat(1, Layers.repeatOverBatch(g, g.param("reg_token"), x), x);
        if (c.clsToken()) x = sd.concat(1, Layers.repeatOverBatch(g, g.param("cls_token"), x), x); // (B, N, C)

        RopeTables rope = c.pe().ropeTables(gridH, gridW, c.headDim());
        for (int i = 0; i < c.depth(); i++) {
            x = Block.forward(g, i, x, rope);
            sd.identity(blockOutput(i), x);
        }
        sd.identity(PRE_NORM, x);
        SDVariable normed = Layers.layerNorm(g, "norm", x, c.layerNormEps()); // (B, N, C)
        int prefix = c.numPrefixTokens();
        sd.identity(
                PATCH_TOKENS,
                normed.get(SDIndex.all(), SDIndex.interval(prefix, n), SDIndex.all())
                        .reshape(-1, gridH, gridW, dim)); // (B, h, w, C)
        if (c.clsToken()) sd.identity(CLS, normed.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()));
        if (c.numRegisters() > 0) {
            int first = c.clsToken() ? 1 : 0;
            sd.identity(
                    REGISTERS,
                    normed.get(SDIndex.all(), SDIndex.interval(first, first + c.numRegisters()), SDIndex.all()));
        }
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public ViTConfig config() {
        return config;
    }

    public int gridH() {
        return gridH;
    }

    public int gridW() {
        return gridW;
    }
}
