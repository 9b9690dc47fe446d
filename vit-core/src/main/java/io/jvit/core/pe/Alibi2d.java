package io.jvit.core.pe;

import io.jvit.core.config.ViTConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2D ALiBi: every block adds m_h · M to the attention logits of head h, with M the wrapped, normalised
 * patch-distance matrix of {@link AlibiDistance} (zero for CLS and register rows and columns).
 * There is no absolute position anywhere. One M is shared by all blocks of a graph.
 *
 * @param metric    Euclidean (paper) or Manhattan distance
 * @param wrap      toroidal wrap of the per-axis offsets (paper: on)
 * @param normalise divide by the grid's largest distance (paper: on)
 * @param slopes    constant (paper: all 1), fixed schedule, or learned per block
 */
public record Alibi2d(AlibiDistance.Metric metric, boolean wrap, boolean normalise, AlibiSlopes slopes)
        implements PositionalEncoding {

    /** Euclidean, wrapped, normalised, constant slope 1: the paper's released models. */
    public static Alibi2d paperDefault() {
        return new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.CONSTANT);
    }

    public static String slopeParam(int block) {
        return "blocks." + block + ".attn.alibi_slopes";
    }

    @Override
    public String name() {
        return "alibi";
    }

    @Override
    public Map<String, long[]> parameterShapes(ViTConfig c) {
        if (slopes != AlibiSlopes.LEARNED) return Map.of();
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int b = 0; b < c.depth(); b++) m.put(slopeParam(b), new long[] {c.numHeads()});
        return m;
    }

    /** The (N, N) matrix M for a grid, prefix rows and columns included. */
    public float[] matrix(int h, int w, int prefix) {
        return AlibiDistance.matrix(h, w, prefix, metric, wrap, normalise);
    }

    @Override
    public SDVariable attentionBias(GraphContext g, int block) {
        int n = g.numTokens(), heads = g.config().numHeads();
        SDVariable m = g.shared(
                "alibi_M",
                () -> g.sd().constant(
                                "alibi_M",
                                Nd4j.create(
                                                matrix(
                                                        g.gridH(),
                                                        g.gridW(),
                                                        g.config().numPrefixTokens()),
                                                new long[] {1, 1, n, n})
                                        .castTo(g.dataType()))); // (1, 1, N, N)
        return switch (slopes) {
            case CONSTANT -> m; // m_h = 1
            case FIXED ->
                g.shared(
                        "alibi_bias_fixed",
                        () -> m.mul(g.sd().constant(
                                        "alibi_slopes_fixed",
                                        Nd4j.createFromArray(slopes.values(heads))
                                                .reshape(1, heads, 1, 1)
                                                .castTo(g.dataType()))));
            case LEARNED -> g.param(slopeParam(block)).reshape(1, heads, 1, 1).mul(m); // (1, H, N, N)
        };
    }
}
