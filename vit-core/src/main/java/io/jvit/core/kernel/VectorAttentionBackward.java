package io.jvit.core.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The attention backward pass with the Vector API, FlashAttention-2's algorithm on a CPU core, for one (image, head):
 * with D_i = rowsum(dO ∘ O) and the forward's log-sum-exp per query, each block of {@link #BK} keys walks the queries
 * in blocks of {@link #BQ} and recomputes its probabilities from the scores instead of storing them,
 * <pre>
 *   S  = Q·Kᵀ/√d + m_h·M           (BQ × BK)     P  = exp(S − lse)
 *   dP = dO·Vᵀ                      (BQ × BK)     dS = P ∘ (dP − D)
 *   dV_blk += Pᵀ·dO,  dK_blk += dSᵀ·Q/√d          (BK × d, in the key block's scratch)
 *   dQ     += dS·K                                 (N × d per task, see below; times 1/√d at the end)
 * </pre>
 * so nothing N × N exists: O(N·d) scratch per task. The ALiBi bias is read in place from the forward's per-grid
 * tables ({@link VectorAttention#addBias}), and so is M again for learned slopes, dotted with dS (∂L/∂m_h = Σ dS ∘ M).
 *
 * <p>Tasks, and dQ across key blocks. FlashAttention-2 on a GPU runs key blocks in parallel and adds into dQ atomically;
 * a CPU has no cheap float atomics, and they would make the sum's order depend on timing. Here a task is a group of
 * one (image, head)'s key blocks: all of them when there are at least {@link #MIN_TASKS} (image, head)s (training:
 * B·H = 6·B with ViT-S), dQ then summed in the worker's scratch; with fewer, ⌈MIN_TASKS / (B·H)⌉ groups, each adding
 * into its own dQ partial sum (N × d), the partial sums added in group order afterwards ({@link #writeDq}). The split
 * depends on the shape alone, so the results are bit-identical for any thread count. Measured at N = 1374, d = 64, one
 * thread (best of 25 on a shared 2-core machine): the split costs 2% at 6 heads (6 groups), 16% at 1 head (11 groups:
 * 11 partial sums to zero and add), and buys parallelism at batch 1. The other way, a second pass over query blocks
 * for dQ, would recompute S, P and dP (7 block products instead of 5): leaving the dV, dK and dQ products out, that
 * part takes 21 of the pass's 39 ms, so two passes ≈ 1.55× the time.
 *
 * <p>Layouts (dp = d rounded up to whole vectors, padding zero): Q/√d, dO, dQ as rows (N, dp); K and V per key block
 * (d, BK) for the products over channels (S, dP); K as rows (N, dp) for dS·K. Three register-blocked micro-kernels:
 * 6 rows × 2L columns ({@link #rowsTimesColumns6}, {@link #rowsTimesRows6}, as the forward's) and 8 keys × 2L
 * channels ({@link #transposedTimesRows8}: Pᵀ·dO and dSᵀ·Q, their P column read as 8 broadcasts per query).
 */
final class VectorAttentionBackward {
    private VectorAttentionBackward() {}

    private static final VectorSpecies<Float> F = VectorAttention.F;
    private static final int L = VectorAttention.L;
    private static final FloatVector ZERO = FloatVector.zero(F); // a constant: of exact type wherever it is used
    static final int BQ = 48; // queries per block (a multiple of 6): S and dP of 48 × 128 floats, 48 KB together;
    // 96, 192: the same time (N = 1374, d = 64, best of 30, loaded machine)
    static final int BK = 128; // keys per block (a multiple of 8 and of 2L): 64 the same, 256 1.1–1.15× the time
    private static final float LOG2E = (float) 1.4426950408889634;

    /**
     * Tasks the key blocks of all (image, head)s are split into at least, when there are few (image, head)s: a fixed number,
     * not the thread count, so that the split, and with it every sum's order, is the same on any number of threads
     * (with 64: 11 groups at one head and N = 1374, 1.12× the one-thread time of 6 groups).
     */
    static final int MIN_TASKS = 32;

    /** Key blocks per task: all of an (image, head)'s when there are {@link #MIN_TASKS} (image, head)s or more. */
    static int blocksPerTask(AttentionShape s) {
        int heads = s.batch() * s.heads(), blocks = (s.tokens() + BK - 1) / BK;
        int groups = Math.min(blocks, (MIN_TASKS + heads - 1) / heads);
        return (blocks + groups - 1) / groups;
    }

    /** Tasks per (image, head): its key blocks in groups of {@link #blocksPerTask}. */
    static int tasksPerHead(AttentionShape s) {
        int blocks = (s.tokens() + BK - 1) / BK, per = blocksPerTask(s);
        return (blocks + per - 1) / per;
    }

    /** Queries padded to whole query blocks. */
    static int paddedQueries(AttentionShape s) {
        return (s.tokens() + BQ - 1) / BQ * BQ;
    }

    /**
     * Floats of one (image, head)'s query rows, what all its key blocks read: [Q/√d (nq, dp) | dO (nq, dp) | lse·log2 e (nq) |
     * D (nq)], nq = {@link #paddedQueries}, dp = d rounded up to whole vectors; the padding is zero.
     */
    static int queryRowsLength(AttentionShape s) {
        int nq = paddedQueries(s);
        return 2 * nq * VectorAttention.paddedDim(s.headDim()) + 2 * nq;
    }

    /** Floats of one dQ accumulator (nq, dp). */
    static int dqLength(AttentionShape s) {
        return paddedQueries(s) * VectorAttention.paddedDim(s.headDim());
    }

    /** Per-thread scratch, O(N·d); kept per worker in the {@link AttentionWorkspace}. */
    static final class Scratch {
        final float[] rows, dQ; // an (image, head)'s query rows and dQ, when it is one task
        final float[] kT, vT, kRows; // K, V as (d, BK) per key block; K as rows (nk, dp)
        final float[] s, p, dot; // (BQ, BK): S then P; dP then dS; L partial sums of dS ∘ M
        final float[] dK, dV; // (BK, dp) of the current key block

        Scratch(AttentionShape sh) {
            int d = sh.headDim(), dp = VectorAttention.paddedDim(d), nk = (sh.tokens() + BK - 1) / BK * BK;
            rows = new float[queryRowsLength(sh)];
            dQ = new float[dqLength(sh)];
            kT = new float[nk * d];
            vT = new float[nk * d];
            kRows = new float[nk * dp];
            s = new float[BQ * BK];
            p = new float[BQ * BK];
            dot = new float[L];
            dK = new float[BK * dp];
            dV = new float[BK * dp];
        }
    }

    /**
     * dq, dk, dv of image b, head h as one task (overwritten); returns Σ dS ∘ M (∂L/∂m_h of this image) when
     * {@code slopeGrad}, else 0. {@code cols} or {@code ext}: the ALiBi tables as {@link VectorAttention#block} reads them.
     */
    static double head(
            Strided q,
            Strided k,
            Strided v,
            Strided out,
            float[] lse,
            Strided dOut,
            Strided dq,
            Strided dk,
            Strided dv,
            AttentionShape s,
            AttentionBias.Alibi alibi,
            float[] cols,
            float[] ext,
            boolean slopeGrad,
            int b,
            int h,
            Scratch w) {
        loadQueries(q, out, lse, dOut, s, b, h, w.rows);
        Arrays.fill(w.dQ, 0, dqLength(s), 0f);
        double g = keys(
                w.rows, k, v, dk, dv, s, alibi, cols, ext, slopeGrad, b, h, 0, (s.tokens() + BK - 1) / BK, w.dQ, w);
        writeDq(new float[][] {w.dQ}, 0, 1, s, dq, b, h);
        return g;
    }

    /** Image b, head h's query rows (see {@link #queryRowsLength}): Q/√d, dO, lse in base 2, D_i = dO_i·O_i (in double: dP − D cancels). */
    static void loadQueries(
            Strided q, Strided out, float[] lse, Strided dOut, AttentionShape s, int b, int h, float[] rows) {
        int n = s.tokens(),
                d = s.headDim(),
                dp = VectorAttention.paddedDim(d),
                nq = paddedQueries(s),
                lseBase = (b * s.heads() + h) * n;
        int dO = nq * dp, lse2 = 2 * nq * dp, dd = lse2 + nq;
        float scale = (float) (1.0 / Math.sqrt(d));
        Arrays.fill(rows, 0, queryRowsLength(s), 0f);
        for (int i = 0; i < n; i++) {
            int qi = q.offset() + (b * n + i) * q.stride() + h * d,
                    gi = dOut.offset() + (b * n + i) * dOut.stride() + h * d;
            int oi = out.offset() + (b * n + i) * out.stride() + h * d;
            double dot = 0;
            for (int c = 0; c < d; c++) {
                rows[i * dp + c] = q.data()[qi + c] * scale;
                rows[dO + i * dp + c] = dOut.data()[gi + c];
                dot += (double) dOut.data()[gi + c] * out.data()[oi + c];
            }
            rows[dd + i] = (float) dot;
            rows[lse2 + i] = lse[lseBase + i] * LOG2E;
        }
    }

    /**
     * Key blocks [kb0, kb1) of image b, head h against all its queries ({@code rows}, {@link #loadQueries}): writes their
     * rows of dk and dv, adds dS·K (dQ without its 1/√d) into {@code dQ} (nq, dp); returns their Σ dS ∘ M when
     * {@code slopeGrad}, else 0.
     */
    static double keys(
            float[] rows,
            Strided k,
            Strided v,
            Strided dk,
            Strided dv,
            AttentionShape s,
            AttentionBias.Alibi alibi,
            float[] cols,
            float[] ext,
            boolean slopeGrad,
            int b,
            int h,
            int kb0,
            int kb1,
            float[] dQ,
            Scratch w) {
        int n = s.tokens(), d = s.headDim(), dp = VectorAttention.paddedDim(d), nq = paddedQueries(s);
        int qo = 0, dO = nq * dp, lse2 = 2 * nq * dp, dd = lse2 + nq;
        float slope = alibi == null ? 0f : alibi.slopes()[h];
        boolean biased = alibi != null && slope != 0f, learned = alibi != null && slopeGrad;
        packKeys(k, v, s, b, h, kb0, kb1, w);
        double gSlope = 0;
        for (int j0 = kb0 * BK; j0 < kb1 * BK; j0 += BK) {
            int keys = Math.min(BK, n - j0), keys8 = (keys + 7) / 8 * 8;
            Arrays.fill(w.dK, 0f);
            Arrays.fill(w.dV, 0f);
            for (int i0 = 0; i0 < n; i0 += BQ) {
                int rs = Math.min(BQ, n - i0), rs6 = (rs + 5) / 6 * 6; // rows past N are zero in Q and dO: dS = 0 there
                for (int r = 0; r < rs6; r += 6)
                    rowsTimesColumns6(rows, qo + (i0 + r) * dp, dp, w.kT, j0 * d, d, w.s, r * BK);
                if (biased) bias(alibi, cols, ext, n, i0, rs, j0, slope, w.s, null);
                for (int r = 0; r < rs6; r++) probabilities(w.s, r * BK, rows[lse2 + i0 + r], keys);
                for (int r = 0; r < rs6; r += 6)
                    rowsTimesColumns6(rows, dO + (i0 + r) * dp, dp, w.vT, j0 * d, d, w.p, r * BK);
                for (int j = 0; j < keys8; j += 8) transposedTimesRows8(w.s, j, rs, rows, dO + i0 * dp, dp, w.dV);
                for (int r = 0; r < rs6; r++) scoreGradients(w.s, w.p, r * BK, rows[dd + i0 + r]);
                if (learned) gSlope += bias(alibi, cols, ext, n, i0, rs, j0, 0f, w.p, w.dot);
                for (int j = 0; j < keys8; j += 8) transposedTimesRows8(w.p, j, rs, rows, qo + i0 * dp, dp, w.dK);
                for (int r = 0; r < rs6; r += 6)
                    rowsTimesRows6(w.p, r * BK, w.kRows, j0 * dp, keys, dp, dQ, (i0 + r) * dp);
            }
            for (int j = 0; j < keys; j++) {
                int kj = dk.offset() + (b * n + j0 + j) * dk.stride() + h * d,
                        vj = dv.offset() + (b * n + j0 + j) * dv.stride() + h * d;
                System.arraycopy(w.dK, j * dp, dk.data(), kj, d);
                System.arraycopy(w.dV, j * dp, dv.data(), vj, d);
            }
        }
        return gSlope;
    }

    /** dq of image b, head h = (Σ of {@code parts[first…first+count)}, in that order)/√d. */
    static void writeDq(float[][] parts, int first, int count, AttentionShape s, Strided dq, int b, int h) {
        int n = s.tokens(), d = s.headDim(), dp = VectorAttention.paddedDim(d);
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] p0 = parts[first];
        for (int i = 0; i < n; i++) {
            int qi = dq.offset() + (b * n + i) * dq.stride() + h * d;
            for (int c = 0; c < d; c++) {
                float sum = p0[i * dp + c];
                for (int g = 1; g < count; g++) sum += parts[first + g][i * dp + c];
                dq.data()[qi + c] = sum * scale;
            }
        }
    }

    /** K and V of key blocks [kb0, kb1) packed: (d, BK) per block, and K as rows (N, dp); keys past N are zero. */
    private static void packKeys(Strided k, Strided v, AttentionShape s, int b, int h, int kb0, int kb1, Scratch w) {
        int n = s.tokens(), d = s.headDim(), dp = VectorAttention.paddedDim(d);
        Arrays.fill(w.kT, kb0 * BK * d, kb1 * BK * d, 0f);
        Arrays.fill(w.vT, kb0 * BK * d, kb1 * BK * d, 0f);
        Arrays.fill(w.kRows, kb0 * BK * dp, kb1 * BK * dp, 0f);
        for (int j = kb0 * BK, end = Math.min(n, kb1 * BK); j < end; j++) {
            int kj = k.offset() + (b * n + j) * k.stride() + h * d, vj = v.offset() + (b * n + j) * v.stride() + h * d;
            int blk = j / BK * (d * BK), jj = j % BK;
            for (int c = 0; c < d; c++) {
                w.kT[blk + c * BK + jj] = k.data()[kj + c];
                w.vT[blk + c * BK + jj] = v.data()[vj + c];
            }
            System.arraycopy(k.data(), kj, w.kRows, j * dp, d);
        }
    }

    /**
     * Over the patch queries and keys of the block, as the forward reads M: {@code x[r·BK + jj] += slope · M(i0 + r, j0 + jj)}
     * when {@code dot} is null; else returns Σ x ∘ M (x = dS: ∂L/∂m_h), {@code dot} holding one partial sum per lane.
     * Either way M is read in place from its table, a contiguous slice per query (and grid row of keys, for {@code ext}).
     */
    private static double bias(
            AttentionBias.Alibi alibi,
            float[] cols,
            float[] ext,
            int n,
            int i0,
            int rows,
            int j0,
            float slope,
            float[] x,
            float[] dot) {
        int prefix = alibi.prefix(), gw = alibi.gridW(), from = Math.max(0, prefix - j0), end = Math.min(BK, n - j0);
        if (from >= end) return 0;
        int kb = j0 + from - prefix, ib = kb / gw, jb = kb % gw; // the block's first patch key on the grid
        int gh = alibi.gridH(), colStride = (2 * gh - 1) * gw;
        if (dot != null) Arrays.fill(dot, 0f);
        double tail = 0;
        for (int r = Math.max(0, prefix - i0), qa = i0 + r - prefix, iq = qa / gw, jq = qa % gw; r < rows; r++) {
            if (cols != null) {
                int c = jq * colStride + (gh - 1 - iq) * gw + kb;
                if (dot == null) VectorAttention.addBias(cols, c, from, end, slope, x, r * BK);
                else tail += dot(cols, c, from, end, x, r * BK, dot);
            } else if (dot == null) VectorAttention.addBias(ext, gw, iq, jq, from, end, ib, jb, slope, x, r * BK);
            else {
                int ew = 2 * gw - 1; // as VectorAttention.addBias(ext, …): runs of ≤ w keys
                for (int j = from, ibr = ib, jbr = jb; j < end; ibr++, jbr = 0) {
                    int run = Math.min(gw - jbr, end - j);
                    tail += dot(ext, Math.abs(iq - ibr) * ew + (gw - 1 - jq) + jbr, j, j + run, x, r * BK, dot);
                    j += run;
                }
            }
            if (++jq == gw) {
                jq = 0;
                iq++;
            } // the next query's grid position
        }
        if (dot == null) return 0;
        double sum = tail;
        for (float f : dot) sum += f;
        return sum;
    }

    /** acc[lanes] += x[so + j]·m[c + j − from] for j ∈ [from, end) in whole vectors; returns the rest's sum. */
    private static double dot(float[] m, int c, int from, int end, float[] x, int so, float[] acc) {
        FloatVector a = FloatVector.fromArray(F, acc, 0);
        int s = so + from, len = end - from, t = 0;
        for (int upper = F.loopBound(len); t < upper; t += L)
            a = FloatVector.fromArray(F, m, c + t).fma(FloatVector.fromArray(F, x, s + t), a);
        ZERO.add(a).intoArray(acc, 0); // a loop's vector never the receiver: see VectorAttention
        double rest = 0;
        for (; t < len; t++) rest += m[c + t] * x[s + t];
        return rest;
    }

    /** P = exp(S − lse) = 2^(S·log2 e − lse₂) in place for one row; keys past N (K padded with zeros) get exactly 0. */
    private static void probabilities(float[] s, int so, float lse2, int keys) {
        FloatVector log2e = FloatVector.broadcast(F, LOG2E), neg = FloatVector.broadcast(F, -lse2);
        for (int jj = 0; jj < BK; jj += L) {
            FloatVector x = FloatVector.fromArray(F, s, so + jj)
                    .fma(log2e, neg)
                    .max(-126f); // exp2(x), written out: see VectorAttention on helpers taking vectors
            FloatVector m = x.add(12582912f), fr = x.sub(m.sub(12582912f));
            FloatVector y = FloatVector.broadcast(F, 1.5345810970757157e-4f)
                    .fma(fr, FloatVector.broadcast(F, 1.3399930903688073e-3f))
                    .fma(fr, FloatVector.broadcast(F, 9.618489071726799e-3f))
                    .fma(fr, FloatVector.broadcast(F, 5.550328642129898e-2f))
                    .fma(fr, FloatVector.broadcast(F, 2.4022646248340607e-1f))
                    .fma(fr, FloatVector.broadcast(F, 6.931471824645996e-1f))
                    .fma(fr, FloatVector.broadcast(F, 1f));
            FloatVector p = y.mul(m.reinterpretAsInts()
                    .sub(0x4B400000 - 127)
                    .lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats());
            p.intoArray(s, so + jj);
        }
        if (keys < BK) Arrays.fill(s, so + keys, so + BK, 0f);
    }

    /** dS = P ∘ (dP − D) into dp's row. */
    private static void scoreGradients(float[] p, float[] dp, int so, float dd) {
        FloatVector dv = FloatVector.broadcast(F, dd);
        for (int jj = 0; jj < BK; jj += L)
            FloatVector.fromArray(F, dp, so + jj)
                    .sub(dv)
                    .mul(FloatVector.fromArray(F, p, so + jj))
                    .intoArray(dp, so + jj);
    }

    /**
     * C[co + t·BK + jj] = Σ_c A[ao + t·dp + c]·B[bBase + c·BK + jj] for 6 rows t and the BK columns jj: S = Q·Kᵀ and
     * dP = dO·Vᵀ with K, V packed (d, BK) per block. 6 rows × 2L columns per step (12 accumulators), d deep.
     */
    private static void rowsTimesColumns6(float[] a, int ao, int dp, float[] bm, int bBase, int d, float[] c, int co) {
        int q0 = ao, q1 = q0 + dp, q2 = q1 + dp, q3 = q2 + dp, q4 = q3 + dp, q5 = q4 + dp;
        for (int jj = 0; jj < BK; jj += 2 * L) {
            FloatVector a00 = FloatVector.zero(F),
                    a01 = a00,
                    a10 = a00,
                    a11 = a00,
                    a20 = a00,
                    a21 = a00,
                    a30 = a00,
                    a31 = a00,
                    a40 = a00,
                    a41 = a00,
                    a50 = a00,
                    a51 = a00;
            int kc = bBase + jj;
            for (int ch = 0; ch < d; ch++, kc += BK) {
                FloatVector k0 = FloatVector.fromArray(F, bm, kc), k1 = FloatVector.fromArray(F, bm, kc + L);
                FloatVector x = FloatVector.broadcast(F, a[q0 + ch]);
                a00 = x.fma(k0, a00);
                a01 = x.fma(k1, a01);
                x = FloatVector.broadcast(F, a[q1 + ch]);
                a10 = x.fma(k0, a10);
                a11 = x.fma(k1, a11);
                x = FloatVector.broadcast(F, a[q2 + ch]);
                a20 = x.fma(k0, a20);
                a21 = x.fma(k1, a21);
                x = FloatVector.broadcast(F, a[q3 + ch]);
                a30 = x.fma(k0, a30);
                a31 = x.fma(k1, a31);
                x = FloatVector.broadcast(F, a[q4 + ch]);
                a40 = x.fma(k0, a40);
                a41 = x.fma(k1, a41);
                x = FloatVector.broadcast(F, a[q5 + ch]);
                a50 = x.fma(k0, a50);
                a51 = x.fma(k1, a51);
                if (ch == d - 1) { // stored on the last step, fresh from their fma (VectorAttention's rules)
                    int o = co + jj;
                    a00.intoArray(c, o);
                    a01.intoArray(c, o + L);
                    o += BK;
                    a10.intoArray(c, o);
                    a11.intoArray(c, o + L);
                    o += BK;
                    a20.intoArray(c, o);
                    a21.intoArray(c, o + L);
                    o += BK;
                    a30.intoArray(c, o);
                    a31.intoArray(c, o + L);
                    o += BK;
                    a40.intoArray(c, o);
                    a41.intoArray(c, o + L);
                    o += BK;
                    a50.intoArray(c, o);
                    a51.intoArray(c, o + L);
                }
            }
        }
    }

    /**
     * C[co + t·dp + ch] += Σ_{jj < depth} A[ao + t·BK + jj]·B[bBase + jj·dp + ch] for 6 rows t: dQ += dS·K with K as
     * rows (N, dp). 6 rows × 2L channels per step (12 accumulators), depth keys deep.
     */
    private static void rowsTimesRows6(float[] a, int ao, float[] bm, int bBase, int depth, int dp, float[] c, int co) {
        int p0 = ao, p1 = p0 + BK, p2 = p1 + BK, p3 = p2 + BK, p4 = p3 + BK, p5 = p4 + BK;
        int ch = 0;
        for (; ch + 2 * L <= dp; ch += 2 * L) {
            int o0 = co + ch, o1 = o0 + dp, o2 = o1 + dp, o3 = o2 + dp, o4 = o3 + dp, o5 = o4 + dp;
            FloatVector a00 = FloatVector.fromArray(F, c, o0), a01 = FloatVector.fromArray(F, c, o0 + L);
            FloatVector a10 = FloatVector.fromArray(F, c, o1), a11 = FloatVector.fromArray(F, c, o1 + L);
            FloatVector a20 = FloatVector.fromArray(F, c, o2), a21 = FloatVector.fromArray(F, c, o2 + L);
            FloatVector a30 = FloatVector.fromArray(F, c, o3), a31 = FloatVector.fromArray(F, c, o3 + L);
            FloatVector a40 = FloatVector.fromArray(F, c, o4), a41 = FloatVector.fromArray(F, c, o4 + L);
            FloatVector a50 = FloatVector.fromArray(F, c, o5), a51 = FloatVector.fromArray(F, c, o5 + L);
            int bi = bBase + ch;
            for (int jj = 0; jj < depth; jj++, bi += dp) {
                FloatVector v0 = FloatVector.fromArray(F, bm, bi), v1 = FloatVector.fromArray(F, bm, bi + L);
                FloatVector x = FloatVector.broadcast(F, a[p0 + jj]);
                a00 = x.fma(v0, a00);
                a01 = x.fma(v1, a01);
                x = FloatVector.broadcast(F, a[p1 + jj]);
                a10 = x.fma(v0, a10);
                a11 = x.fma(v1, a11);
                x = FloatVector.broadcast(F, a[p2 + jj]);
                a20 = x.fma(v0, a20);
                a21 = x.fma(v1, a21);
                x = FloatVector.broadcast(F, a[p3 + jj]);
                a30 = x.fma(v0, a30);
                a31 = x.fma(v1, a31);
                x = FloatVector.broadcast(F, a[p4 + jj]);
                a40 = x.fma(v0, a40);
                a41 = x.fma(v1, a41);
                x = FloatVector.broadcast(F, a[p5 + jj]);
                a50 = x.fma(v0, a50);
                a51 = x.fma(v1, a51);
                if (jj == depth - 1) { // stored on the last step (none: C unchanged)
                    a00.intoArray(c, o0);
                    a01.intoArray(c, o0 + L);
                    a10.intoArray(c, o1);
                    a11.intoArray(c, o1 + L);
                    a20.intoArray(c, o2);
                    a21.intoArray(c, o2 + L);
                    a30.intoArray(c, o3);
                    a31.intoArray(c, o3 + L);
                    a40.intoArray(c, o4);
                    a41.intoArray(c, o4 + L);
                    a50.intoArray(c, o5);
                    a51.intoArray(c, o5 + L);
                }
            }
        }
        for (; ch < dp; ch += L) // a last single vector of channels
        for (int t = 0; t < 6; t++) rowTimesRows1(a, ao + t * BK, bm, bBase + ch, depth, dp, c, co + t * dp + ch, 1);
    }

    /** C[o] += Σ_{i < depth} A[ai + i·aStep]·B[bi + i·dp] for one vector of channels (the kernels' last single vector). */
    private static void rowTimesRows1(
            float[] a, int ai, float[] bm, int bi, int depth, int dp, float[] c, int o, int aStep) {
        FloatVector acc = FloatVector.fromArray(F, c, o);
        for (int i = 0; i < depth; i++, ai += aStep, bi += dp) {
            acc = FloatVector.broadcast(F, a[ai]).fma(FloatVector.fromArray(F, bm, bi), acc);
            if (i == depth - 1) acc.intoArray(c, o);
        }
    }

    /**
     * C[(j + t)·dp + ch] += Σ_{i < depth} A[i·BK + j + t]·B[bBase + i·dp + ch] for the 8 keys j + t: dV += Pᵀ·dO and
     * dK += dSᵀ·Q, the key block's (BK, dp) accumulators. A's column block is read row by row as 8 broadcasts, so P
     * and dS need no transpose. 8 keys × 2L channels per step (16 accumulators), depth queries deep.
     */
    private static void transposedTimesRows8(float[] a, int j, int depth, float[] bm, int bBase, int dp, float[] c) {
        int ch = 0;
        for (; ch + 2 * L <= dp; ch += 2 * L) {
            int o0 = j * dp + ch,
                    o1 = o0 + dp,
                    o2 = o1 + dp,
                    o3 = o2 + dp,
                    o4 = o3 + dp,
                    o5 = o4 + dp,
                    o6 = o5 + dp,
                    o7 = o6 + dp;
            FloatVector a00 = FloatVector.fromArray(F, c, o0), a01 = FloatVector.fromArray(F, c, o0 + L);
            FloatVector a10 = FloatVector.fromArray(F, c, o1), a11 = FloatVector.fromArray(F, c, o1 + L);
            FloatVector a20 = FloatVector.fromArray(F, c, o2), a21 = FloatVector.fromArray(F, c, o2 + L);
            FloatVector a30 = FloatVector.fromArray(F, c, o3), a31 = FloatVector.fromArray(F, c, o3 + L);
            FloatVector a40 = FloatVector.fromArray(F, c, o4), a41 = FloatVector.fromArray(F, c, o4 + L);
            FloatVector a50 = FloatVector.fromArray(F, c, o5), a51 = FloatVector.fromArray(F, c, o5 + L);
            FloatVector a60 = FloatVector.fromArray(F, c, o6), a61 = FloatVector.fromArray(F, c, o6 + L);
            FloatVector a70 = FloatVector.fromArray(F, c, o7), a71 = FloatVector.fromArray(F, c, o7 + L);
            int ai = j, bi = bBase + ch;
            for (int i = 0; i < depth; i++, ai += BK, bi += dp) {
                FloatVector b0 = FloatVector.fromArray(F, bm, bi), b1 = FloatVector.fromArray(F, bm, bi + L);
                FloatVector x = FloatVector.broadcast(F, a[ai]);
                a00 = x.fma(b0, a00);
                a01 = x.fma(b1, a01);
                x = FloatVector.broadcast(F, a[ai + 1]);
                a10 = x.fma(b0, a10);
                a11 = x.fma(b1, a11);
                x = FloatVector.broadcast(F, a[ai + 2]);
                a20 = x.fma(b0, a20);
                a21 = x.fma(b1, a21);
                x = FloatVector.broadcast(F, a[ai + 3]);
                a30 = x.fma(b0, a30);
                a31 = x.fma(b1, a31);
                x = FloatVector.broadcast(F, a[ai + 4]);
                a40 = x.fma(b0, a40);
                a41 = x.fma(b1, a41);
                x = FloatVector.broadcast(F, a[ai + 5]);
                a50 = x.fma(b0, a50);
                a51 = x.fma(b1, a51);
                x = FloatVector.broadcast(F, a[ai + 6]);
                a60 = x.fma(b0, a60);
                a61 = x.fma(b1, a61);
                x = FloatVector.broadcast(F, a[ai + 7]);
                a70 = x.fma(b0, a70);
                a71 = x.fma(b1, a71);
                if (i == depth - 1) { // stored on the last step (none: C unchanged)
                    a00.intoArray(c, o0);
                    a01.intoArray(c, o0 + L);
                    a10.intoArray(c, o1);
                    a11.intoArray(c, o1 + L);
                    a20.intoArray(c, o2);
                    a21.intoArray(c, o2 + L);
                    a30.intoArray(c, o3);
                    a31.intoArray(c, o3 + L);
                    a40.intoArray(c, o4);
                    a41.intoArray(c, o4 + L);
                    a50.intoArray(c, o5);
                    a51.intoArray(c, o5 + L);
                    a60.intoArray(c, o6);
                    a61.intoArray(c, o6 + L);
                    a70.intoArray(c, o7);
                    a71.intoArray(c, o7 + L);
                }
            }
        }
        for (; ch < dp; ch += L) // a last single vector of channels
        for (int t = 0; t < 8; t++) rowTimesRows1(a, j + t, bm, bBase + ch, depth, dp, c, (j + t) * dp + ch, BK);
    }
}
