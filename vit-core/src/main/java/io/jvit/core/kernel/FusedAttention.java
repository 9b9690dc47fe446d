package io.jvit.core.kernel;

import io.jvit.core.util.Parallel;

/**
 * Fused multi-head attention, {@code out = softmax(q·kᵀ/√d + m_h·M)·v}, for every positional encoding
 * of the library: ALiBi's bias is computed from its small per-grid table inside the kernel, RoPE is
 * applied to q and k beforehand ({@link Rope}), the others need no bias. Streaming softmax over key
 * blocks: O(N·d) extra memory, never N × N.
 *
 * <p>Two implementations of the same algorithm: {@link VectorAttention} (Java Vector API; needs
 * {@code --add-modules jdk.incubator.vector}) and {@link ScalarAttention}, chosen at run time
 * ({@code -Djvit.vector=false} forces scalar). {@link NaiveAttention} is the reference both are tested against.
 * Work is split over (image, query block, head) on {@code threads} threads.
 *
 * <p>For training, {@link #forwardForTraining} also saves each query's log-sum-exp, and {@link #backward} is
 * FlashAttention-2's backward pass on the same tables ({@link VectorAttentionBackward}, {@link ScalarAttentionBackward};
 * the reference {@link NaiveAttention#backward} is itself checked by finite differences in the tests).
 */
public final class FusedAttention {
    private FusedAttention() {}

    public enum Impl {
        AUTO,
        VECTOR,
        SCALAR
    }

    private static final boolean VECTOR_OK = io.jvit.core.util.VectorApi.usable(() -> VectorAttention.L);

    /** True when the Vector API kernel is in use. */
    public static boolean vectorized() {
        return VECTOR_OK;
    }

    /** Lanes of the Vector API kernel's float vectors (0 when scalar). */
    public static int lanes() {
        return VECTOR_OK ? VectorAttention.L : 0;
    }

    public static void forward(
            Strided q, Strided k, Strided v, Strided out, AttentionShape s, AttentionBias bias, int threads) {
        forward(q, k, v, out, s, bias, threads, Impl.AUTO);
    }

    public static void forward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            Impl impl) {
        forward(q, k, v, out, s, bias, threads, impl, new AttentionWorkspace());
    }

    /** The same, reusing {@code workspace}'s memory from earlier calls (see {@link AttentionWorkspace}). */
    public static void forward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            AttentionWorkspace workspace) {
        forward(q, k, v, out, s, bias, threads, Impl.AUTO, workspace);
    }

    public static void forward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            Impl impl,
            AttentionWorkspace workspace) {
        forward(q, k, v, out, null, s, bias, threads, impl, workspace);
    }

    /**
     * The forward pass for training: as {@link #forward}, and also writes each query row's log-sum-exp of its
     * logits (natural log; {@code lse[(b·H + h)·N + i]}, B·H·N floats), which {@link #backward} needs.
     */
    public static void forwardForTraining(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            AttentionWorkspace workspace) {
        forwardForTraining(q, k, v, out, lse, s, bias, threads, Impl.AUTO, workspace);
    }

    /** The same with the implementation chosen. */
    public static void forwardForTraining(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            Impl impl,
            AttentionWorkspace workspace) {
        checkLse(lse, s);
        forward(q, k, v, out, lse, s, bias, threads, impl, workspace);
    }

    private static void forward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            Impl impl,
            AttentionWorkspace workspace) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        q.check("q", s);
        k.check("k", s);
        v.check("v", s);
        out.check("out", s);
        if (bias instanceof AttentionBias.Alibi a) a.check(s);
        AttentionWorkspace ws = workspace != null ? workspace : new AttentionWorkspace();
        if (vector(impl)) vectorForward(q, k, v, out, lse, s, bias, threads, ws);
        else scalarForward(q, k, v, out, lse, s, bias, threads, ws);
    }

    private static boolean vector(Impl impl) {
        return switch (impl) {
            case AUTO -> VECTOR_OK;
            case SCALAR -> false;
            case VECTOR -> {
                if (!VECTOR_OK)
                    throw new IllegalStateException(
                            "the Vector API is not available (run with --add-modules jdk.incubator.vector)");
                yield true;
            }
        };
    }

    private static void checkLse(float[] lse, AttentionShape s) {
        long need = (long) s.batch() * s.heads() * s.tokens();
        if (lse == null || lse.length < need)
            throw new IllegalArgumentException("lse holds " + (lse == null ? "no" : String.valueOf(lse.length))
                    + " floats, needs B·H·N = " + need);
    }

    /**
     * The backward pass (FlashAttention-2's algorithm): from the forward's inputs, its output {@code out} and
     * {@code lse} ({@link #forwardForTraining}) and dOut = ∂L/∂out, writes (overwrites) dq, dk, dv and adds
     * ∂L/∂m_h = Σ_ij dS_ij·M_ij to {@code dSlopes[h]} when it is not null (learned ALiBi slopes).
     * dq, dk, dv may be three views of one packed (B·N, 3·H·d) array, as the qkv layer's gradient (their earlier
     * contents do not matter); they must not overlap q, k, v, out or dOut. {@code workspace} may be null (a fresh one).
     *
     * <p>One task per (image, head) on {@code threads} threads, or, with fewer than {@link VectorAttentionBackward#MIN_TASKS}
     * (image, head)s, a fixed number of tasks per (image, head) over groups of its key blocks, their dQ partial sums
     * added in task order (see {@link VectorAttentionBackward} for why). The split depends on the shape alone, every sum
     * has a fixed order, the slopes' gradients are summed over images and tasks in order after the tasks: the results
     * are bit-identical for any thread count.
     */
    public static void backward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            Strided dOut,
            Strided dq,
            Strided dk,
            Strided dv,
            float[] dSlopes,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            AttentionWorkspace workspace) {
        backward(q, k, v, out, lse, dOut, dq, dk, dv, dSlopes, s, bias, threads, Impl.AUTO, workspace);
    }

    /** The same with the implementation chosen. */
    public static void backward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            Strided dOut,
            Strided dq,
            Strided dk,
            Strided dv,
            float[] dSlopes,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            Impl impl,
            AttentionWorkspace ws) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        q.check("q", s);
        k.check("k", s);
        v.check("v", s);
        out.check("out", s);
        dOut.check("dOut", s);
        dq.check("dq", s);
        dk.check("dk", s);
        dv.check("dv", s);
        checkLse(lse, s);
        if (bias instanceof AttentionBias.Alibi a) a.check(s);
        if (dSlopes != null && dSlopes.length < s.heads())
            throw new IllegalArgumentException(
                    "dSlopes holds " + dSlopes.length + " floats, needs one per head: " + s.heads());
        AttentionBias.Alibi alibi = bias instanceof AttentionBias.Alibi a ? a : null;
        boolean slopeGrad = alibi != null && dSlopes != null, vector = vector(impl);
        AttentionWorkspace workspace = ws != null ? ws : new AttentionWorkspace();
        float[] cols = alibi == null || !vector ? null : workspace.columnRows(alibi);
        float[] ext = alibi == null || cols != null ? null : workspace.extendedRows(alibi);
        int heads = s.heads(), bh = s.batch() * heads, per = vector ? VectorAttentionBackward.tasksPerHead(s) : 1;
        double[] gSlopes = new double[bh * per]; // per task: no shared accumulator, no race
        workspace.reserveWorkers(threads);
        if (!vector)
            Parallel.forRange(bh, threads, (w, from, to) -> {
                var scratch = workspace.scratch(
                        w, s, ScalarAttentionBackward.Scratch.class, () -> new ScalarAttentionBackward.Scratch(s));
                for (int t = from; t < to; t++)
                    gSlopes[t] = ScalarAttentionBackward.head(
                            q, k, v, out, lse, dOut, dq, dk, dv, s, alibi, ext, slopeGrad, t / heads, t % heads,
                            scratch);
            });
        else if (per == 1) // enough (image, head)s: one task each, dQ in the worker's scratch
        Parallel.forRange(bh, threads, (w, from, to) -> {
            var scratch = workspace.scratch(
                    w, s, VectorAttentionBackward.Scratch.class, () -> new VectorAttentionBackward.Scratch(s));
            for (int t = from; t < to; t++)
                gSlopes[t] = VectorAttentionBackward.head(
                        q, k, v, out, lse, dOut, dq, dk, dv, s, alibi, cols, ext, slopeGrad, t / heads, t % heads,
                        scratch);
        });
        else { // few: each one's key blocks split over `per` tasks
            int blocks = VectorAttentionBackward.blocksPerTask(s),
                    allBlocks = (s.tokens() + VectorAttentionBackward.BK - 1) / VectorAttentionBackward.BK;
            int dqLength = VectorAttentionBackward.dqLength(s);
            float[][] rows = workspace.queryRowBuffers(bh, VectorAttentionBackward.queryRowsLength(s)),
                    parts = workspace.dqBuffers(bh * per, dqLength);
            Parallel.forRange(bh, threads, (w, from, to) -> {
                for (int t = from; t < to; t++)
                    VectorAttentionBackward.loadQueries(q, out, lse, dOut, s, t / heads, t % heads, rows[t]);
            });
            Parallel.forRange(bh * per, threads, (w, from, to) -> {
                var scratch = workspace.scratch(
                        w, s, VectorAttentionBackward.Scratch.class, () -> new VectorAttentionBackward.Scratch(s));
                for (int t = from; t < to; t++) {
                    int head = t / per, g = t % per;
                    java.util.Arrays.fill(parts[t], 0, dqLength, 0f);
                    gSlopes[t] = VectorAttentionBackward.keys(
                            rows[head],
                            k,
                            v,
                            dk,
                            dv,
                            s,
                            alibi,
                            cols,
                            ext,
                            slopeGrad,
                            head / heads,
                            head % heads,
                            g * blocks,
                            Math.min(allBlocks, (g + 1) * blocks),
                            parts[t],
                            scratch);
                }
            });
            Parallel.forRange(bh, threads, (w, from, to) -> { // dQ's partial sums added in task order
                for (int t = from; t < to; t++)
                    VectorAttentionBackward.writeDq(parts, t * per, per, s, dq, t / heads, t % heads);
            });
        }
        if (slopeGrad)
            for (int h = 0; h < heads; h++) {
                double g = 0;
                for (int b = 0; b < s.batch(); b++)
                    for (int t = 0; t < per; t++)
                        g += gSlopes[(b * heads + h) * per + t]; // image and task order: deterministic
                dSlopes[h] += (float) g;
            }
    }

    private static void vectorForward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            AttentionWorkspace ws) {
        int bh = s.batch() * s.heads(), qBlocks = (s.tokens() + VectorAttention.BQ - 1) / VectorAttention.BQ;
        VectorAttention.Packed[] packed = new VectorAttention.Packed[bh];
        int length = VectorAttention.packedLength(s);
        float[][] kBufs = ws.kBuffers(bh, length), vBufs = ws.vBuffers(bh, length);
        Parallel.forRange(bh, threads, (w, from, to) -> {
            for (int t = from; t < to; t++)
                packed[t] = VectorAttention.pack(k, v, s, t / s.heads(), t % s.heads(), kBufs[t], vBufs[t]);
        });
        AttentionBias.Alibi alibi = bias instanceof AttentionBias.Alibi a ? a : null;
        float[] cols = alibi == null ? null : ws.columnRows(alibi),
                ext = alibi == null || cols != null ? null : ws.extendedRows(alibi);
        int dp = packed[0].dp();
        // task t = ((b·qBlocks) + qb)·H + h: the heads of one query block are neighbours (Q rows share cache lines)
        Parallel.forRange(s.batch() * qBlocks * s.heads(), threads, (w, from, to) -> {
            VectorAttention.Scratch scratch = new VectorAttention.Scratch(dp);
            for (int t = from; t < to; t++) {
                int h = t % s.heads(), bq = t / s.heads(), qb = bq % qBlocks, b = bq / qBlocks;
                VectorAttention.block(
                        q,
                        packed[b * s.heads() + h],
                        out,
                        lse,
                        s,
                        alibi,
                        cols,
                        ext,
                        b,
                        h,
                        qb * VectorAttention.BQ,
                        scratch);
            }
        });
    }

    private static void scalarForward(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias bias,
            int threads,
            AttentionWorkspace ws) {
        int block = 16, qBlocks = (s.tokens() + block - 1) / block;
        float[] ext = bias instanceof AttentionBias.Alibi a ? ws.extendedRows(a) : null;
        Parallel.forRange(s.batch() * s.heads() * qBlocks, threads, (w, from, to) -> {
            float[] mRow = new float[s.tokens()],
                    scores = new float[ScalarAttention.KEY_BLOCK],
                    acc = new float[s.headDim()];
            for (int t = from; t < to; t++) {
                int qb = t % qBlocks, bh = t / qBlocks, h = bh % s.heads(), b = bh / s.heads();
                ScalarAttention.queries(
                        q,
                        k,
                        v,
                        out,
                        lse,
                        s,
                        bias,
                        ext,
                        b,
                        h,
                        qb * block,
                        Math.min(s.tokens(), (qb + 1) * block),
                        mRow,
                        scores,
                        acc);
            }
        });
    }
}
