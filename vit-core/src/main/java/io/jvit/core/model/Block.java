package io.jvit.core.model;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.GraphContext;
import io.jvit.core.pe.RopeTables;
import org.nd4j.autodiff.samediff.SDVariable;

/** A pre-norm transformer block: x + ls1·attn(norm1(x)), then x + ls2·mlp(norm2(x)). */
final class Block {
    private Block() {}

    /** x (B, N, C) → (B, N, C). */
    static SDVariable forward(GraphContext g, int i, SDVariable x, RopeTables rope) {
        ViTConfig c = g.config();
        String p = "blocks." + i;
        SDVariable a = Attention.forward(g, i, Layers.layerNorm(g, p + ".norm1", x, c.layerNormEps()), rope);
        if (c.layerScale()) a = a.mul(g.param(p + ".ls1.gamma"));
        x = x.add(a);
        SDVariable m = Mlp.forward(g, p + ".mlp", Layers.layerNorm(g, p + ".norm2", x, c.layerNormEps()));
        if (c.layerScale()) m = m.mul(g.param(p + ".ls2.gamma"));
        return x.add(m);
    }
}
