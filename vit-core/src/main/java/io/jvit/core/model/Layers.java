package io.jvit.core.model;

import io.jvit.core.pe.GraphContext;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The small building blocks every ViT shares, as graph functions over tokens of shape (B, N, C).
 * Parameters are looked up by canonical (timm) name under {@code prefix}.
 */
final class Layers {
    private Layers() {}

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    /** y = x Wᵀ + b for x (B, N, in) and W (out, in): ND4J's mmul does not broadcast 3-D × 2-D, so go via 2-D. */
    static SDVariable linear(GraphContext g, String prefix, SDVariable x, int n, int in, int out, boolean bias) {
        SDVariable y = g.sd().mmul(x.reshape(-1, in), g.param(prefix + ".weight"), false, true, false); // (B·N, out)
        if (bias) y = y.add(g.param(prefix + ".bias"));
        return y.reshape(-1, n, out); // (B, N, out)
    }

    /**
     * LayerNorm over the channel axis of x (B, N, C), composed from primitives: ND4J's fused op has no
     * epsilon argument, and DINOv2 uses 1e-6. The axis is written as 2, not −1: in ND4J 1.0.0-M2.1 a
     * keep-dims mean over axis −1 computes the right forward value but a wrong gradient.
     */
    static SDVariable layerNorm(GraphContext g, String prefix, SDVariable x, double eps) {
        SDVariable centred = x.sub(x.mean(true, 2));
        SDVariable variance = centred.mul(centred).mean(true, 2); // population variance
        SDVariable normed = centred.mul(g.sd().math.rsqrt(variance.add(eps)));
        return normed.mul(g.param(prefix + ".weight")).add(g.param(prefix + ".bias"));
    }

    /** Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)). (ND4J's gelu is the sigmoid approximation, preciseGelu is wrong.) */
    static SDVariable gelu(GraphContext g, SDVariable x) {
        return x.mul(0.5).mul(g.sd().math.erf(x.mul(INV_SQRT2)).add(1.0));
    }

    /** silu(x) = x·σ(x). */
    static SDVariable silu(GraphContext g, SDVariable x) {
        return x.mul(g.sd().nn.sigmoid(x));
    }

    /** Repeats a (1, k, C) parameter along a batch of {@code like}'s leading size: (B, k, C). */
    static SDVariable repeatOverBatch(GraphContext g, SDVariable param, SDVariable like) {
        var sd = g.sd();
        SDVariable batch = sd.sizeAt(like, 0).reshape(1).castTo(org.nd4j.linalg.api.buffer.DataType.LONG);
        SDVariable reps = sd.concat(0, batch, sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(1L, 1L)));
        return sd.tile(param, reps);
    }
}
