package io.jvit.core.model;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.GraphContext;
import io.jvit.core.pe.RopeTables;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head self-attention, composed by hand because ND4J's attention ops take no float bias:
 * softmax(q·kᵀ·scale + bias)·v, with the positional encoding's bias (ALiBi) and rotation (RoPE).
 * This is the readable reference path; the fused kernels live elsewhere.
 */
final class Attention {
    private Attention() {}

    /** x (B, N, C) → (B, N, C) for block {@code block}. */
    static SDVariable forward(GraphContext g, int block, SDVariable x, RopeTables rope) {
        ViTConfig c = g.config();
        SameDiff sd = g.sd();
        int n = g.numTokens(), dim = c.embedDim(), heads = c.numHeads(), hd = c.headDim();
        String p = "blocks." + block + ".attn";

        boolean masked = c.maskKBias() && c.qkvBias(); // DINOv3: the k bias is never used
        SDVariable qkv = Layers.linear(g, p + ".qkv", x, n, dim, 3 * dim, c.qkvBias() && !masked); // (B, N, 3C)
        if (masked)
            qkv = qkv.add(g.param(p + ".qkv.bias")
                    .mul(g.shared(
                            "qkv_bias_mask",
                            () -> sd.constant(
                                    "qkv_bias_mask",
                                    Nd4j.createFromArray(kBiasMask(dim)).castTo(g.dataType()))))); // b ⊙ [1…1 0…0 1…1]
        SDVariable[] qkvSplit =
                sd.unstack(qkv.reshape(-1, n, 3, heads, hd).permute(2, 0, 3, 1, 4), 0, 3); // 3 × (B, H, N, hd)
        SDVariable q = qkvSplit[0], k = qkvSplit[1], v = qkvSplit[2];
        if (rope != null) {
            q = applyRope(g, q, rope);
            k = applyRope(g, k, rope);
        }
        SDVariable logits = sd.mmul(q.mul(1.0 / Math.sqrt(hd)), k.permute(0, 1, 3, 2)); // (B, H, N, N)
        SDVariable bias = c.pe().attentionBias(g, block);
        if (bias != null) logits = logits.add(bias); // + m_h·M
        SDVariable attn = sd.nn.softmax(logits, 3);
        SDVariable out = sd.mmul(attn, v) // (B, H, N, hd)
                .permute(0, 2, 1, 3)
                .reshape(-1, n, dim); // (B, N, C)
        return Layers.linear(g, p + ".proj", out, n, dim, dim, true);
    }

    /** DINOv3's {@code bias_mask} for a qkv bias of width 3C: 1 on the q and v thirds, 0 on the k third. */
    static float[] kBiasMask(int dim) {
        float[] m = new float[3 * dim];
        java.util.Arrays.fill(m, 0, dim, 1f);
        java.util.Arrays.fill(m, 2 * dim, 3 * dim, 1f);
        return m;
    }

    /** Rotates the patch tokens of t (B, H, N, hd): t·cos + rotate_half(t)·sin; prefix tokens untouched. */
    private static SDVariable applyRope(GraphContext g, SDVariable t, RopeTables rope) {
        SameDiff sd = g.sd();
        int prefix = g.config().numPrefixTokens(), n = g.numTokens(), hd = rope.headDim();
        SDVariable cos = g.shared(
                "rope_cos",
                () -> sd.constant(
                        "rope_cos",
                        Nd4j.create(rope.cos(), new long[] {rope.numPatches(), hd})
                                .castTo(g.dataType())));
        SDVariable sin = g.shared(
                "rope_sin",
                () -> sd.constant(
                        "rope_sin",
                        Nd4j.create(rope.sin(), new long[] {rope.numPatches(), hd})
                                .castTo(g.dataType())));
        SDVariable patches =
                prefix == 0 ? t : t.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(prefix, n), SDIndex.all());
        SDVariable first = patches.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(0, hd / 2));
        SDVariable second = patches.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(hd / 2, hd));
        SDVariable rotatedHalf = sd.concat(-1, second.neg(), first);
        SDVariable rotated = patches.mul(cos).add(rotatedHalf.mul(sin));
        if (prefix == 0) return rotated;
        SDVariable head = t.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0, prefix), SDIndex.all());
        return sd.concat(2, head, rotated);
    }
}
