package io.jvit.train.engine;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.pe.RopeTables;

/**
 * One pre-norm transformer block: mid = x + γ1·Attn(LN1(x)); out = mid + γ2·MLP(LN2(mid)) (γ = LayerScale, 1 without).
 */
final class Block {
    private Block() {}

    /** x (rows, C) → out (rows, C); everything the backward needs goes to {@code t}. x is not modified. */
    static void forward(
            ViTConfig c,
            Params p,
            int i,
            Sizes s,
            float[] x,
            float[] out,
            BlockTape t,
            AttentionBias bias,
            RopeTables rope,
            AttentionWorkspace ws,
            int threads) {
        String b = "blocks." + i + ".";
        int rows = s.rows(), dim = s.dim();
        double eps = c.layerNormEps();
        LayerNorm.forward(
                x,
                rows,
                dim,
                p.get(b + "norm1.weight"),
                p.get(b + "norm1.bias"),
                eps,
                t.normed1,
                t.ln1Mean,
                t.ln1Rstd,
                threads);
        SelfAttention.forward(c, p, b + "attn.", s, t, bias, rope, ws, threads);
        System.arraycopy(x, 0, t.mid, 0, rows * dim);
        Residual.forward(t.mid, t.branch1, p.getOrNull(b + "ls1.gamma"), rows, dim);
        LayerNorm.forward(
                t.mid,
                rows,
                dim,
                p.get(b + "norm2.weight"),
                p.get(b + "norm2.bias"),
                eps,
                t.normed2,
                t.ln2Mean,
                t.ln2Rstd,
                threads);
        Mlp.forward(c, p, b + "mlp.", s, t, threads);
        System.arraycopy(t.mid, 0, out, 0, rows * dim);
        Residual.forward(out, t.branch2, p.getOrNull(b + "ls2.gamma"), rows, dim);
    }

    /**
     * In place on the stream's gradient: dx holds ∂L/∂out on entry and ∂L/∂x on return (both residual adds pass it
     * through; each branch adds its share). Parameter gradients are added to g.
     */
    static void backward(
            ViTConfig c,
            Params p,
            Params g,
            int i,
            Sizes s,
            float[] x,
            float[] dx,
            BlockTape t,
            AttentionBias bias,
            RopeTables rope,
            BackwardScratch sc,
            AttentionWorkspace ws,
            int threads) {
        String b = "blocks." + i + ".";
        int rows = s.rows(), dim = s.dim();
        Residual.backward(
                dx, t.branch2, p.getOrNull(b + "ls2.gamma"), rows, dim, sc.dBranch, g.getOrNull(b + "ls2.gamma"));
        Mlp.backward(c, p, g, b + "mlp.", s, t, sc, threads);
        LayerNorm.backward(
                sc.dNormed,
                t.mid,
                t.ln2Mean,
                t.ln2Rstd,
                p.get(b + "norm2.weight"),
                rows,
                dim,
                dx,
                g.get(b + "norm2.weight"),
                g.get(b + "norm2.bias"),
                threads);
        Residual.backward(
                dx, t.branch1, p.getOrNull(b + "ls1.gamma"), rows, dim, sc.dBranch, g.getOrNull(b + "ls1.gamma"));
        SelfAttention.backward(
                c, p, g, b + "attn.", s, t, bias, AttentionBiases.slopeGradient(c, g, i), rope, sc, ws, threads);
        LayerNorm.backward(
                sc.dNormed,
                x,
                t.ln1Mean,
                t.ln1Rstd,
                p.get(b + "norm1.weight"),
                rows,
                dim,
                dx,
                g.get(b + "norm1.weight"),
                g.get(b + "norm1.bias"),
                threads);
    }
}
