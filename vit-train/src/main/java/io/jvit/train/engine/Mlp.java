package io.jvit.train.engine;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;

/** A block's feed-forward branch: fc1 → exact GELU → fc2, or fc1 (both halves) → SwiGLU → fc2. */
final class Mlp {
    private Mlp() {}

    /** tape.normed2 (rows, C) → tape.pre (rows, fc1), tape.act (rows, hidden), tape.branch2 (rows, C). */
    static void forward(ViTConfig c, Params p, String prefix, Sizes s, BlockTape t, int threads) {
        int rows = s.rows();
        Linear.forward(
                t.normed2,
                rows,
                s.dim(),
                s.fc1(),
                p.get(prefix + "fc1.weight"),
                p.get(prefix + "fc1.bias"),
                t.pre,
                threads);
        if (c.mlpKind() == MlpKind.GELU) Gelu.forward(t.pre, t.act, rows, s.hidden(), threads);
        else SwiGlu.forward(t.pre, rows, s.hidden(), t.act, threads);
        Linear.forward(
                t.act,
                rows,
                s.hidden(),
                s.dim(),
                p.get(prefix + "fc2.weight"),
                p.get(prefix + "fc2.bias"),
                t.branch2,
                threads);
    }

    /** From sc.dBranch = ∂L/∂branch2: sc.dNormed = ∂L/∂normed2 (overwritten), parameter gradients added to g. */
    static void backward(
            ViTConfig c, Params p, Params g, String prefix, Sizes s, BlockTape t, BackwardScratch sc, int threads) {
        int rows = s.rows();
        Linear.backward(
                sc.dBranch,
                t.act,
                rows,
                s.hidden(),
                s.dim(),
                p.get(prefix + "fc2.weight"),
                sc.dAct,
                g.get(prefix + "fc2.weight"),
                g.get(prefix + "fc2.bias"),
                threads);
        if (c.mlpKind() == MlpKind.GELU) Gelu.backward(sc.dAct, t.pre, sc.dPre, rows, s.hidden(), threads);
        else SwiGlu.backward(sc.dAct, t.pre, rows, s.hidden(), sc.dPre, threads);
        Linear.backward(
                sc.dPre,
                t.normed2,
                rows,
                s.dim(),
                s.fc1(),
                p.get(prefix + "fc1.weight"),
                sc.dNormed,
                g.get(prefix + "fc1.weight"),
                g.get(prefix + "fc1.bias"),
                threads);
    }
}
