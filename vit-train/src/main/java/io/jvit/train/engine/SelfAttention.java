package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;
import io.jvit.core.pe.RopeTables;

/**
 * A block's attention branch: qkv = x·W_qkvᵀ (+ b, its k third masked to zero for DINOv3), RoPE on the patch tokens' q and k, the fused attention
 * softmax(q·kᵀ/√d + m_h·M)·v (its log-sum-exp saved), then the output projection. The packed qkv (rows, 3C) is
 * three strided views: q at offset 0, k at C, v at 2C; its gradient is packed the same way.
 */
final class SelfAttention {
    private SelfAttention() {}

    /** tape.normed1 (rows, C) → tape.qkv, tape.att, tape.lse, tape.branch1 (rows, C). */
    static void forward(
            ViTConfig c,
            Params p,
            String prefix,
            Sizes s,
            BlockTape t,
            AttentionBias bias,
            RopeTables rope,
            AttentionWorkspace ws,
            int threads) {
        int rows = s.rows(), dim = s.dim();
        AttentionShape shape = s.attention();
        Linear.forward(
                t.normed1,
                rows,
                dim,
                3 * dim,
                p.get(prefix + "qkv.weight"),
                qkvBias(c, p.getOrNull(prefix + "qkv.bias")),
                t.qkv,
                threads);
        Strided q = new Strided(t.qkv, 0, 3 * dim),
                k = new Strided(t.qkv, dim, 3 * dim),
                v = new Strided(t.qkv, 2 * dim, 3 * dim);
        if (rope != null) {
            RopeRotation.forward(q, shape, s.prefix(), rope);
            RopeRotation.forward(k, shape, s.prefix(), rope);
        }
        FusedAttention.forwardForTraining(q, k, v, Strided.of(t.att, dim), t.lse, shape, bias, threads, ws);
        Linear.forward(
                t.att, rows, dim, dim, p.get(prefix + "proj.weight"), p.get(prefix + "proj.bias"), t.branch1, threads);
    }

    /** From sc.dBranch = ∂L/∂branch1 (rows, C): sc.dNormed = ∂L/∂normed1 (overwritten), parameter gradients added to g. */
    static void backward(
            ViTConfig c,
            Params p,
            Params g,
            String prefix,
            Sizes s,
            BlockTape t,
            AttentionBias bias,
            float[] dSlopes,
            RopeTables rope,
            BackwardScratch sc,
            AttentionWorkspace ws,
            int threads) {
        int rows = s.rows(), dim = s.dim(), w3 = 3 * dim;
        AttentionShape shape = s.attention();
        Linear.backward(
                sc.dBranch,
                t.att,
                rows,
                dim,
                dim,
                p.get(prefix + "proj.weight"),
                sc.dAtt,
                g.get(prefix + "proj.weight"),
                g.get(prefix + "proj.bias"),
                threads);
        Strided q = new Strided(t.qkv, 0, w3), k = new Strided(t.qkv, dim, w3), v = new Strided(t.qkv, 2 * dim, w3);
        Strided dq = new Strided(sc.dQkv, 0, w3),
                dk = new Strided(sc.dQkv, dim, w3),
                dv = new Strided(sc.dQkv, 2 * dim, w3);
        FusedAttention.backward(
                q,
                k,
                v,
                Strided.of(t.att, dim),
                t.lse,
                Strided.of(sc.dAtt, dim),
                dq,
                dk,
                dv,
                dSlopes,
                shape,
                bias,
                threads,
                ws);
        if (rope != null) { // gradients w.r.t. the rotated q, k → w.r.t. qkv's output
            RopeRotation.backward(dq, shape, s.prefix(), rope);
            RopeRotation.backward(dk, shape, s.prefix(), rope);
        }
        float[] db = g.getOrNull(prefix + "qkv.bias");
        Linear.backward(
                sc.dQkv,
                t.normed1,
                rows,
                dim,
                w3,
                p.get(prefix + "qkv.weight"),
                sc.dNormed,
                g.get(prefix + "qkv.weight"),
                db,
                threads);
        if (c.maskKBias() && db != null)
            java.util.Arrays.fill(db, dim, 2 * dim, 0f); // the masked k bias gets no gradient
    }

    /** The qkv bias the forward adds: with {@link ViTConfig#maskKBias()} (DINOv3) a copy whose k third is zero. */
    static float[] qkvBias(ViTConfig c, float[] b) {
        if (b == null || !c.maskKBias()) return b;
        float[] m = b.clone();
        java.util.Arrays.fill(m, c.embedDim(), 2 * c.embedDim(), 0f);
        return m;
    }
}
