package io.jvit.core.model;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.GraphContext;
import org.nd4j.autodiff.samediff.SDVariable;

/** The feed-forward branch of a block: GELU MLP (fc1 → GELU → fc2) or DINOv2-g's packed SwiGLU. */
final class Mlp {
    private Mlp() {}

    /** x (B, N, C) → (B, N, C). */
    static SDVariable forward(GraphContext g, String prefix, SDVariable x) {
        ViTConfig c = g.config();
        int n = g.numTokens(), dim = c.embedDim(), hidden = c.mlpHidden();
        if (c.mlpKind() == MlpKind.GELU) {
            SDVariable h = Layers.gelu(g, Layers.linear(g, prefix + ".fc1", x, n, dim, hidden, true)); // (B, N, hidden)
            return Layers.linear(g, prefix + ".fc2", h, n, hidden, dim, true);
        }
        // SwiGLU: fc1 (= DINOv2's w12) makes both halves at once; silu(first) · second.
        SDVariable both = Layers.linear(g, prefix + ".fc1", x, n, dim, 2 * hidden, true); // (B, N, 2·hidden)
        SDVariable[] halves = g.sd().split(both, 2, 2);
        SDVariable h = Layers.silu(g, halves[0]).mul(halves[1]); // (B, N, hidden)
        return Layers.linear(g, prefix + ".fc2", h, n, hidden, dim, true);
    }

    static int fc1Width(ViTConfig c) {
        return c.mlpKind() == MlpKind.GELU ? c.mlpHidden() : 2 * c.mlpHidden();
    }
}
