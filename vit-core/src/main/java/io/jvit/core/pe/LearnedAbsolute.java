package io.jvit.core.pe;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.util.Resampler;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Learned absolute position embedding, DINOv2/timm semantics: a table for a {@code gridSize}² patch grid
 * (37² for DINOv2, trained at 518 px), resampled bicubically to the input's h × w grid.
 * The CLS position is folded into the CLS token when a checkpoint is read (as timm's
 * {@code no_embed_class} conversion does), so only patches carry this embedding here.
 *
 * <p>The resampling is linear in the table, so it is one constant matrix K (h·w × G²) applied with a
 * matrix product: exact, and differentiable for finetuning.
 *
 * @param gridSize          side of the stored grid G (table shape (1, G², C), parameter {@code pos_embed})
 * @param antialias         PyTorch {@code antialias=True} (DINOv2-reg hub models, timm); else plain bicubic
 * @param interpolateOffset DINOv2's historical offset (0.1 for the non-register hub models, 0 otherwise);
 *                          non-zero means PyTorch is called with a scale factor (G·s = out + offset)
 */
public record LearnedAbsolute(int gridSize, boolean antialias, double interpolateOffset) implements PositionalEncoding {

    public static final String PARAM = "pos_embed";

    /** DINOv2 with registers / timm: antialiased bicubic, offset 0. */
    public static LearnedAbsolute dinov2(int gridSize) {
        return new LearnedAbsolute(gridSize, true, 0.0);
    }

    @Override
    public String name() {
        return "learned";
    }

    @Override
    public Map<String, long[]> parameterShapes(ViTConfig c) {
        return Map.of(PARAM, new long[] {1, (long) gridSize * gridSize, c.embedDim()});
    }

    @Override
    public SDVariable patchEmbedding(GraphContext g) {
        int gs = gridSize, c = g.config().embedDim();
        SDVariable table = g.param(PARAM).reshape(gs * gs, c); // (G², C)
        if (g.gridH() == gs && g.gridW() == gs) return table; // DINOv2 returns the table unchanged
        float[] k = resampleMatrix(g.gridH(), g.gridW());
        SDVariable kMat = g.sd().constant(
                        "pos_embed_resample",
                        Nd4j.create(k, new long[] {(long) g.numPatches(), (long) gs * gs})
                                .castTo(g.dataType()));
        return g.sd().mmul(kMat, table); // (h·w, C)
    }

    /** Per-axis weights (out × G) for an output of {@code out} cells. */
    public double[][] axisWeights(int out) {
        if (antialias) return Resampler.antialiased(gridSize, out, Resampler.Filter.BICUBIC);
        double scaleFactor = interpolateOffset != 0 ? (out + interpolateOffset) / gridSize : -1;
        return Resampler.bicubicNoAntialias(gridSize, out, scaleFactor);
    }

    /** K with K[(i·w + j), (a·G + b)] = wy[i][a] · wx[j][b], row-major (h·w × G²). */
    public float[] resampleMatrix(int h, int w) {
        double[][] wy = axisWeights(h), wx = axisWeights(w);
        int gs = gridSize;
        float[] k = new float[h * w * gs * gs];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int row = (i * w + j) * gs * gs;
                for (int a = 0; a < gs; a++) {
                    double ya = wy[i][a];
                    if (ya == 0) continue;
                    for (int b = 0; b < gs; b++) k[row + a * gs + b] = (float) (ya * wx[j][b]);
                }
            }
        return k;
    }
}
