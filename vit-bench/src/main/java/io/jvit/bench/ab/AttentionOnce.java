package io.jvit.bench.ab;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;
import io.jvit.core.pe.Alibi2d;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.DoubleSupplier;

/**
 * One fused attention call (ViT-S heads: 6 × 64, one image, a side × side grid after optional prefix tokens, ALiBi or no bias, 1 thread) per
 * {@link #getAsDouble()}, which returns the calling thread's CPU seconds. {@link KernelAB} loads this class once
 * per build of vit-core, each in its own class loader.
 */
public final class AttentionOnce implements DoubleSupplier {
    private static final int HEADS = 6, D = 64;
    private final AttentionShape shape;
    private final float[] x, out, lse, dOut, grads;
    private final boolean backward;
    private final AttentionBias bias;
    private final AttentionWorkspace workspace = new AttentionWorkspace(); // as the forward pass keeps one
    private final ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

    public AttentionOnce(int side) {
        this(side, 0, true);
    }

    /** A side × side grid after {@code prefix} tokens (CLS, registers); ALiBi or no bias. */
    public AttentionOnce(int side, int prefix, boolean alibi) {
        this(side, prefix, alibi, false);
    }

    /** The same; with {@code backward}, each call times {@link FusedAttention#backward} (the forward for training run once here). */
    public AttentionOnce(int side, int prefix, boolean alibi, boolean backward) {
        this.backward = backward;
        int n = prefix + side * side, width = HEADS * D;
        shape = new AttentionShape(1, n, HEADS, D);
        x = new float[n * 3 * width];
        out = new float[n * width];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] slopes = new float[HEADS];
        for (int h = 0; h < HEADS; h++) slopes[h] = (float) Math.pow(2, -8.0 * (h + 1) / HEADS);
        bias = alibi
                ? AttentionBias.Alibi.of(Alibi2d.paperDefault(), side, side, prefix, slopes)
                : new AttentionBias.None();
        lse = backward ? new float[HEADS * n] : null;
        dOut = backward ? new float[n * width] : null;
        grads = backward ? new float[n * 3 * width] : null;
        if (backward) {
            for (int i = 0; i < dOut.length; i++) dOut[i] = (float) r.nextGaussian();
            Strided q = new Strided(x, 0, 3 * width),
                    k = new Strided(x, width, 3 * width),
                    v = new Strided(x, 2 * width, 3 * width);
            FusedAttention.forwardForTraining(
                    q, k, v, Strided.of(out, width), lse, shape, bias, 1, FusedAttention.Impl.AUTO, workspace);
        }
    }

    @Override
    public double getAsDouble() {
        int width = HEADS * D;
        Strided q = new Strided(x, 0, 3 * width),
                k = new Strided(x, width, 3 * width),
                v = new Strided(x, 2 * width, 3 * width);
        long t0 = cpu.getCurrentThreadCpuTime();
        if (backward)
            FusedAttention.backward(
                    q,
                    k,
                    v,
                    Strided.of(out, width),
                    lse,
                    Strided.of(dOut, width),
                    new Strided(grads, 0, 3 * width),
                    new Strided(grads, width, 3 * width),
                    new Strided(grads, 2 * width, 3 * width),
                    null,
                    shape,
                    bias,
                    1,
                    workspace);
        else FusedAttention.forward(q, k, v, Strided.of(out, width), shape, bias, 1, workspace);
        return (cpu.getCurrentThreadCpuTime() - t0) / 1e9;
    }
}
