package io.jvit.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused attention kernel with the Vector API, flash-style (FlashAttention's tiling on a CPU core):
 * a block of {@link #BQ} queries walks the keys in blocks of {@link #BK}; per key block it computes the
 * scores S = Q·Kᵀ (+ m_h·M), updates each query's running max and sum, and accumulates P·V. Neither
 * an N × N score matrix nor an N × N bias exists: a query's bias over a key block is read in place, one
 * contiguous slice of a per-query-column table ({@link AttentionBias.Alibi#columnRows()}; for very large grids,
 * a slice of the extended rows per grid row of keys). Scores are kept in base 2 (log2 e folded into the query
 * scale and the slope) for {@link #exp2}. Both products run a 4 × 4L register-blocked micro-kernel (4 queries ×
 * four vectors of keys or channels: 16 named accumulators, 4 loads and 4 broadcasts per step; on AVX-512 at d = 64,
 * 64 keys of S or a whole output row of P·V per step), on K packed per key block as (d, BK) and V as (N, d). P·V goes
 * into a 4 × 4L tile that {@link #fold} adds into O with the softmax's rescale (no separate pass over O); the
 * softmax runs two rows per call (two independent exp chains), in three methods. Against the 6 × 2L kernel before it
 * (docs/experiments/attention-6x2L-baseline.patch): 0.82–0.93× the time at N = 261, 1374 and 5476, with and without
 * ALiBi (KernelAB, docs/performance.md). Width-generic: the attention tests pass with 8 and 4 lanes too
 * ({@code -XX:MaxVectorSize=32} and {@code 16}); speed there not measured.
 *
 * <p>Rules for every Vector API kernel here (C2 in JDK 17; docs/performance.md, "The attention forward kernel"):
 * <ol>
 * <li>A method that takes or returns vectors is written into its callers, or kept under 35 bytes of bytecode: one C2
 * does not inline gets its vectors boxed.
 * <li>A vector carried around a loop is never the receiver of a vector method (it is the argument:
 * {@code x.blend(mx, x.lt(mx))}, {@code p.add(sum)}, {@code b.fma(v, acc)}). The parser types it {@code FloatVector},
 * so a call on it needs a class-check guard, and once the compile's class-check trap budget ({@code PerMethodTrapLimit},
 * fed by polluted profiles of the Vector API's shared internals) is spent, that guard falls back to a virtual call
 * whose result boxes the vector. Accumulators are therefore stored inside their loop, on its last step, where each is
 * fresh from its fma ({@code if (c == d - 1) a00.intoArray(…)}); reductions after a loop go through
 * {@code ZERO.add(v)}, ZERO being a constant vector.
 * <li>Each kernel method is small enough for C2 to parse whole: past about 18,000 parse nodes (NodeCountInliningCutoff,
 * fixed in product builds; about 45 Vector API calls) C2 delays every further call, and a delayed call's result has no
 * exact type, so rule 2 breaks for everything after it. Hence 4 × 4L (16 fmas, 16 stores), not 6 × 4L (24 + 24), the
 * softmax in three methods, and no peeled last loop step (it doubles the body).
 * <li>A loop has its exit test at the head ({@code for (…; c < d; …)}): C2 clones the head block of an inner loop,
 * and a loop whose test is at its end has its whole body as head block, parsed twice.
 * <li>Accumulators start from {@code FloatVector.zero(F)}, not from the constant ZERO (a precaution: a loop head
 * reached with two different types may be cloned too; not measured apart).
 * </ol>
 * Checked by {@code -XX:+LogCompilation} (no {@code virtual_call}, no delayed call but stores, in the kernels' C2 compiles).
 *
 * <p>Only loaded when the {@code jdk.incubator.vector} module is present ({@link FusedAttention} checks).
 */
final class VectorAttention {
    private VectorAttention() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /*
     * Constant vectors: a static final vector is a constant object of the exact class (Float512Vector on AVX-512), so a
     * method called on it never needs a type check, wherever it sits in a method (see the class comment).
     */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final FloatVector ZERO = FloatVector.zero(F),
            LOW = FloatVector.broadcast(F, -126f),
            MAGIC = FloatVector.broadcast(F, 12582912f);
    private static final FloatVector E6 = FloatVector.broadcast(F, 1.5345810970757157e-4f),
            E5 = FloatVector.broadcast(F, 1.3399930903688073e-3f),
            E4 = FloatVector.broadcast(F, 9.618489071726799e-3f),
            E3 = FloatVector.broadcast(F, 5.550328642129898e-2f),
            E2 = FloatVector.broadcast(F, 2.4022646248340607e-1f),
            E1 = FloatVector.broadcast(F, 6.931471824645996e-1f),
            E0 = FloatVector.broadcast(F, 1f);
    /** 2²³ (a shift by 23 as a multiply, whose receiver is this constant) and the exponent bias moved there. */
    private static final IntVector SHIFT23 = IntVector.broadcast(I, 1 << 23),
            BIAS23 = IntVector.broadcast(I, (0x4B400000 - 127) << 23);

    static final int BQ =
            192; // queries per block (a multiple of 4 and 6): each K and V block streamed from L3 serves 192
    // queries (48 → 192: 0.89× the time at N = 5476, in-process A/B, 16 pairs; 288, 384: no gain)
    static final int BK = 128; // keys per block (a multiple of 4L): a (d × BK) K block is 32 KB at d = 64
    // (with 6 × 4L: 64 and 256 lose, 1.04× and 1.06×; BQ = 96 1.06×)
    private static final float MASKED = -1e30f;
    private static final double LOG2E = 1.4426950408889634, LN2 = 0.6931471805599453;

    /** K and V of one (image, head), packed for the micro-kernels, zero-padded to whole blocks. */
    record Packed(float[] k, float[] v, int dp, int nPad) {}

    static int paddedDim(int d) {
        return (d + L - 1) / L * L;
    }

    /** Floats of the packed K and V of one (image, head). */
    static int packedLength(AttentionShape s) {
        return (s.tokens() + BK - 1) / BK * BK * paddedDim(s.headDim());
    }

    /** Packs into {@code kp} and {@code vp} (at least {@link #packedLength} floats; reused, so the padding is zeroed here). */
    static Packed pack(Strided k, Strided v, AttentionShape s, int b, int h, float[] kp, float[] vp) {
        int n = s.tokens(), d = s.headDim(), dp = paddedDim(d), nPad = (n + BK - 1) / BK * BK;
        java.util.Arrays.fill(kp, (n - 1) / BK * BK * d, nPad * d, 0f); // the last key block (padded keys stay 0)
        java.util.Arrays.fill(vp, n * dp, nPad * dp, 0f);
        if (dp != d) java.util.Arrays.fill(vp, 0, n * dp, 0f); // the padded channels
        for (int j = 0; j < n; j++) {
            int kj = k.offset() + (b * n + j) * k.stride() + h * d, vj = v.offset() + (b * n + j) * v.stride() + h * d;
            int blk = j / BK * (d * BK), jj = j % BK;
            for (int c = 0; c < d; c++) kp[blk + c * BK + jj] = k.data()[kj + c];
            System.arraycopy(v.data(), vj, vp, j * dp, d);
        }
        return new Packed(kp, vp, dp, nPad);
    }

    /** Per-thread scratch, allocated once per call and thread. */
    static final class Scratch {
        final float[] q, o, sc, m, l, corr, acc;

        Scratch(int dp) {
            q = new float[BQ * dp];
            o = new float[BQ * dp];
            sc = new float[BQ * BK];
            m = new float[BQ];
            l = new float[BQ * L]; // per row, a vector of lane sums
            corr = new float[BQ];
            acc = new float[6 * 4 * L]; // one call's P·V tile, before it is folded into O
        }
    }

    /**
     * Queries [q0, q0 + BQ) ∩ [0, N) of image b, head h; when {@code lse} is not null, also each query's log-sum-exp of
     * its logits (natural log) at {@code lse[(b·H + h)·N + i]}, for the backward pass.
     */
    static void block(
            Strided q,
            Packed kv,
            Strided out,
            float[] lse,
            AttentionShape s,
            AttentionBias.Alibi alibi,
            float[] cols,
            float[] ext,
            int b,
            int h,
            int q0,
            Scratch w) {
        int n = s.tokens(), d = s.headDim(), dp = kv.dp(), nPad = kv.nPad();
        int rows = Math.min(BQ, n - q0), rows4 = (rows + 3) / 4 * 4;
        float scale = (float) (LOG2E / Math.sqrt(d)); // scores in base 2: the softmax takes exp2
        float slope = alibi == null ? 0f : alibi.slopes()[h];
        boolean biased = alibi != null && slope != 0f;
        java.util.Arrays.fill(w.q, 0f);
        for (int r = 0; r < rows; r++) {
            int qi = q.offset() + (b * n + q0 + r) * q.stride() + h * d;
            for (int c = 0; c < d; c++) w.q[r * dp + c] = q.data()[qi + c] * scale;
        }
        java.util.Arrays.fill(w.o, 0f);
        java.util.Arrays.fill(w.m, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(w.l, 0f);
        float slope2 = (float) (slope * LOG2E);
        for (int j0 = 0; j0 < nPad; j0 += BK) {
            int kBase = j0 * d; // block j0/BK starts at (j0/BK)·d·BK = j0·d
            for (int r = 0; r < rows4; r += 4) scores4(w.q, r, dp, kv.k(), kBase, d, w.sc);
            if (biased) {
                int prefix = alibi.prefix(),
                        gw = alibi.gridW(),
                        from = Math.max(0, prefix - j0),
                        end = Math.min(BK, n - j0);
                int kb = j0 + from - prefix, ib = kb / gw, jb = kb % gw; // the block's first patch key on the grid
                int gh = alibi.gridH(), colStride = (2 * gh - 1) * gw;
                for (int r = Math.max(0, prefix - q0), qa = q0 + r - prefix, iq = qa / gw, jq = qa % gw;
                        r < rows;
                        r++) {
                    if (from < end) {
                        if (cols != null)
                            addBias(cols, jq * colStride + (gh - 1 - iq) * gw + kb, from, end, slope2, w.sc, r * BK);
                        else addBias(ext, gw, iq, jq, from, end, ib, jb, slope2, w.sc, r * BK);
                    }
                    if (++jq == gw) {
                        jq = 0;
                        iq++;
                    } // the next query's grid position
                }
            }
            if (j0 + BK > n) // padded keys take no weight
            for (int r = 0; r < rows4; r++) java.util.Arrays.fill(w.sc, r * BK + (n - j0), (r + 1) * BK, MASKED);
            for (int r = 0; r < rows4; r += 2) softmaxStep(w, r); // two rows at a time: two independent chains
            for (int r = 0; r < rows4; r += 4) {
                int c = 0;
                for (; c + 4 * L <= dp; c += 4 * L) {
                    accumulate4(w.sc, r, kv.v(), j0, dp, c, w.acc);
                    fold(w, r, c, 4, dp);
                }
                for (; c < dp; c += L) {
                    accumulate4x1(w.sc, r, kv.v(), j0, dp, c, w.acc);
                    fold(w, r, c, 1, dp);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            int oi = out.offset() + (b * n + q0 + r) * out.stride() + h * d;
            float l = FloatVector.fromArray(F, w.l, r * L).reduceLanes(VectorOperators.ADD), inv = 1f / l;
            for (int c = 0; c < d; c++) out.data()[oi + c] = w.o[r * dp + c] * inv;
            if (lse != null) // m and the logits are in base 2: ln Σ e^s = m·ln 2 + ln l
            lse[(b * s.heads() + h) * n + q0 + r] = (float) (w.m[r] * LN2 + Math.log(l));
        }
    }

    /** S[so + j] += slope · m[c + j − from] for j ∈ [from, end): a contiguous slice of M's values (a column-rows or extended-rows table). */
    static void addBias(float[] m, int c, int from, int end, float slope, float[] sc, int so) {
        FloatVector sv = FloatVector.broadcast(F, slope);
        int s = so + from, len = end - from, t = 0;
        for (int upper = F.loopBound(len); t < upper; t += L)
            FloatVector.fromArray(F, m, c + t)
                    .fma(sv, FloatVector.fromArray(F, sc, s + t))
                    .intoArray(sc, s + t);
        for (; t < len; t++) sc[s + t] = Math.fma(m[c + t], slope, sc[s + t]);
    }

    /**
     * S[so + (j − from)] += slope · M(query, j) for keys j ∈ [from, end), the query at grid (iq, jq): M's row over
     * one grid row of keys is a contiguous slice of the extended rows {@code ext}, so the bias is read in place, a
     * run of ≤ w keys at a time, and never materialised (an M-row buffer of BQ × N floats would stream more bytes
     * from L3 than K and V). No division per run: the key block's first grid position comes in as (ib, jb).
     */
    static void addBias(
            float[] ext, int w, int iq, int jq, int from, int end, int ib, int jb, float slope, float[] sc, int so) {
        int ew = 2 * w - 1;
        for (int j = from; j < end; ib++, jb = 0) {
            int run = Math.min(w - jb, end - j);
            addBias(ext, Math.abs(iq - ib) * ew + (w - 1 - jq) + jb, j, j + run, slope, sc, so);
            j += run;
        }
    }

    /**
     * S[r..r+4][0..BK) = Q[r..r+4]·K_blockᵀ: 4 queries × 4L keys per step (16 named accumulators, 4 loads of K and 4
     * broadcasts of Q per 16 multiply-adds), d multiply-adds deep; stored on the loop's last step, fresh from their fma.
     */
    private static void scores4(float[] q, int r, int dp, float[] k, int kBase, int d, float[] sc) {
        int q0 = r * dp, q1 = q0 + dp, q2 = q1 + dp, q3 = q2 + dp;
        for (int jj = 0; jj < BK; jj += 4 * L) {
            FloatVector z = FloatVector.zero(F);
            FloatVector a00 = z,
                    a01 = z,
                    a02 = z,
                    a03 = z,
                    a10 = z,
                    a11 = z,
                    a12 = z,
                    a13 = z,
                    a20 = z,
                    a21 = z,
                    a22 = z,
                    a23 = z,
                    a30 = z,
                    a31 = z,
                    a32 = z,
                    a33 = z;
            for (int c = 0, kc = kBase + jj; c < d; c++, kc += BK) { // the test at the head: see the class comment
                FloatVector k0 = FloatVector.fromArray(F, k, kc), k1 = FloatVector.fromArray(F, k, kc + L);
                FloatVector k2 = FloatVector.fromArray(F, k, kc + 2 * L), k3 = FloatVector.fromArray(F, k, kc + 3 * L);
                FloatVector b;
                b = FloatVector.broadcast(F, q[q0 + c]);
                a00 = b.fma(k0, a00);
                a01 = b.fma(k1, a01);
                a02 = b.fma(k2, a02);
                a03 = b.fma(k3, a03);
                b = FloatVector.broadcast(F, q[q1 + c]);
                a10 = b.fma(k0, a10);
                a11 = b.fma(k1, a11);
                a12 = b.fma(k2, a12);
                a13 = b.fma(k3, a13);
                b = FloatVector.broadcast(F, q[q2 + c]);
                a20 = b.fma(k0, a20);
                a21 = b.fma(k1, a21);
                a22 = b.fma(k2, a22);
                a23 = b.fma(k3, a23);
                b = FloatVector.broadcast(F, q[q3 + c]);
                a30 = b.fma(k0, a30);
                a31 = b.fma(k1, a31);
                a32 = b.fma(k2, a32);
                a33 = b.fma(k3, a33);
                if (c == d - 1) {
                    int s = r * BK + jj;
                    a00.intoArray(sc, s);
                    a01.intoArray(sc, s + L);
                    a02.intoArray(sc, s + 2 * L);
                    a03.intoArray(sc, s + 3 * L);
                    s += BK;
                    a10.intoArray(sc, s);
                    a11.intoArray(sc, s + L);
                    a12.intoArray(sc, s + 2 * L);
                    a13.intoArray(sc, s + 3 * L);
                    s += BK;
                    a20.intoArray(sc, s);
                    a21.intoArray(sc, s + L);
                    a22.intoArray(sc, s + 2 * L);
                    a23.intoArray(sc, s + 3 * L);
                    s += BK;
                    a30.intoArray(sc, s);
                    a31.intoArray(sc, s + L);
                    a32.intoArray(sc, s + 2 * L);
                    a33.intoArray(sc, s + 3 * L);
                }
            }
        }
    }

    /**
     * Online softmax for rows r and r + 1, in three methods, each small enough for C2 to compile whole (see the class
     * comment): {@link #softmaxMax} (the new max, the factor 2^(old max − new max) for {@link #fold}), {@link #softmaxExp}
     * (P = 2^(S − max) in place, two rows for two independent chains) and {@link #softmaxSums} (the running sums).
     */
    private static void softmaxStep(Scratch w, int r) {
        softmaxMax(w, r);
        softmaxExp(w, r);
        softmaxSums(w, r);
    }

    /** Rows r and r + 1: the new max by compare and blend (Java's NaN- and −0-exact max is 6 instructions on x86, this 2). */
    private static void softmaxMax(Scratch w, int r) {
        int sa = r * BK, sb = sa + BK;
        float[] sc = w.sc;
        FloatVector ma = FloatVector.fromArray(F, sc, sa), mb = FloatVector.fromArray(F, sc, sb);
        for (int jj = L; jj < BK; jj += L) {
            FloatVector xa = FloatVector.fromArray(F, sc, sa + jj), xb = FloatVector.fromArray(F, sc, sb + jj);
            ma = xa.blend(ma, xa.lt(ma)); // the loop's vector an argument, never the receiver
            mb = xb.blend(mb, xb.lt(mb));
        }
        float aOld = w.m[r], aNew = Math.max(aOld, ZERO.add(ma).reduceLanes(VectorOperators.MAX));
        float bOld = w.m[r + 1], bNew = Math.max(bOld, ZERO.add(mb).reduceLanes(VectorOperators.MAX));
        w.m[r] = aNew;
        w.m[r + 1] = bNew;
        w.corr[r] = exp2(aOld - aNew); // the first block: 2^−126 × (l = 0, O = 0)
        w.corr[r + 1] = exp2(bOld - bNew);
    }

    /** Rows r and r + 1: P = 2^(S − max) in place, {@link #exp2} written out with constant vectors. */
    private static void softmaxExp(Scratch w, int r) {
        int sa = r * BK, sb = sa + BK;
        float[] sc = w.sc;
        FloatVector mva = FloatVector.broadcast(F, w.m[r]), mvb = FloatVector.broadcast(F, w.m[r + 1]);
        for (int jj = 0; jj < BK; jj += L) {
            FloatVector xa = FloatVector.fromArray(F, sc, sa + jj).sub(mva),
                    xb = FloatVector.fromArray(F, sc, sb + jj).sub(mvb);
            xa = xa.blend(LOW, xa.lt(LOW));
            xb = xb.blend(LOW, xb.lt(LOW));
            FloatVector na = xa.add(MAGIC), nb = xb.add(MAGIC); // n in the low mantissa bits
            FloatVector ea = SHIFT23.mul(na.reinterpretAsInts()).sub(BIAS23).reinterpretAsFloats(); // 2^n
            FloatVector eb = SHIFT23.mul(nb.reinterpretAsInts()).sub(BIAS23).reinterpretAsFloats();
            FloatVector fa = xa.sub(na.sub(MAGIC)), fb = xb.sub(nb.sub(MAGIC));
            E6.fma(fa, E5)
                    .fma(fa, E4)
                    .fma(fa, E3)
                    .fma(fa, E2)
                    .fma(fa, E1)
                    .fma(fa, E0)
                    .mul(ea)
                    .intoArray(sc, sa + jj);
            E6.fma(fb, E5)
                    .fma(fb, E4)
                    .fma(fb, E3)
                    .fma(fb, E2)
                    .fma(fb, E1)
                    .fma(fb, E0)
                    .mul(eb)
                    .intoArray(sc, sb + jj);
        }
    }

    /** Rows r and r + 1: l ← corr·l + Σ P, the sums kept as vectors of lane sums ({@code l[r·L…]}, added up once at the end). */
    private static void softmaxSums(Scratch w, int r) {
        int sa = r * BK, sb = sa + BK;
        float[] sc = w.sc;
        FloatVector suma = FloatVector.fromArray(F, sc, sa), sumb = FloatVector.fromArray(F, sc, sb);
        for (int jj = L; jj < BK; jj += L) {
            suma = FloatVector.fromArray(F, sc, sa + jj).add(suma);
            sumb = FloatVector.fromArray(F, sc, sb + jj).add(sumb);
        }
        FloatVector.broadcast(F, w.corr[r])
                .fma(FloatVector.fromArray(F, w.l, r * L), suma)
                .intoArray(w.l, r * L);
        FloatVector.broadcast(F, w.corr[r + 1])
                .fma(FloatVector.fromArray(F, w.l, r * L + L), sumb)
                .intoArray(w.l, r * L + L);
    }

    /**
     * P·V for queries r..r+4 and channels [c, c + 4L) over key block j0 into {@code acc} (4 rows of 4L floats; {@link #fold}
     * adds it into O): 4 queries × 4L channels per step (16 named accumulators), BK deep, stored on the last step.
     */
    private static void accumulate4(float[] p, int r, float[] v, int j0, int dp, int c, float[] acc) {
        int p0 = r * BK, p1 = p0 + BK, p2 = p1 + BK, p3 = p2 + BK;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z,
                a01 = z,
                a02 = z,
                a03 = z,
                a10 = z,
                a11 = z,
                a12 = z,
                a13 = z,
                a20 = z,
                a21 = z,
                a22 = z,
                a23 = z,
                a30 = z,
                a31 = z,
                a32 = z,
                a33 = z;
        for (int jj = 0, vi = j0 * dp + c; jj < BK; jj++, vi += dp) {
            FloatVector v0 = FloatVector.fromArray(F, v, vi), v1 = FloatVector.fromArray(F, v, vi + L);
            FloatVector v2 = FloatVector.fromArray(F, v, vi + 2 * L), v3 = FloatVector.fromArray(F, v, vi + 3 * L);
            FloatVector b;
            b = FloatVector.broadcast(F, p[p0 + jj]);
            a00 = b.fma(v0, a00);
            a01 = b.fma(v1, a01);
            a02 = b.fma(v2, a02);
            a03 = b.fma(v3, a03);
            b = FloatVector.broadcast(F, p[p1 + jj]);
            a10 = b.fma(v0, a10);
            a11 = b.fma(v1, a11);
            a12 = b.fma(v2, a12);
            a13 = b.fma(v3, a13);
            b = FloatVector.broadcast(F, p[p2 + jj]);
            a20 = b.fma(v0, a20);
            a21 = b.fma(v1, a21);
            a22 = b.fma(v2, a22);
            a23 = b.fma(v3, a23);
            b = FloatVector.broadcast(F, p[p3 + jj]);
            a30 = b.fma(v0, a30);
            a31 = b.fma(v1, a31);
            a32 = b.fma(v2, a32);
            a33 = b.fma(v3, a33);
            if (jj == BK - 1) {
                a00.intoArray(acc, 0 * L);
                a01.intoArray(acc, 1 * L);
                a02.intoArray(acc, 2 * L);
                a03.intoArray(acc, 3 * L);
                a10.intoArray(acc, 4 * L);
                a11.intoArray(acc, 5 * L);
                a12.intoArray(acc, 6 * L);
                a13.intoArray(acc, 7 * L);
                a20.intoArray(acc, 8 * L);
                a21.intoArray(acc, 9 * L);
                a22.intoArray(acc, 10 * L);
                a23.intoArray(acc, 11 * L);
                a30.intoArray(acc, 12 * L);
                a31.intoArray(acc, 13 * L);
                a32.intoArray(acc, 14 * L);
                a33.intoArray(acc, 15 * L);
            }
        }
    }

    /** The same for one vector of channels (dp not a multiple of 4L: padded or small d), into acc's first 6 vectors. */
    private static void accumulate4x1(float[] p, int r, float[] v, int j0, int dp, int c, float[] acc) {
        int p0 = r * BK, p1 = p0 + BK, p2 = p1 + BK, p3 = p2 + BK;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int jj = 0, vi = j0 * dp + c; jj < BK; jj++, vi += dp) {
            FloatVector v0 = FloatVector.fromArray(F, v, vi);
            a0 = FloatVector.broadcast(F, p[p0 + jj]).fma(v0, a0);
            a1 = FloatVector.broadcast(F, p[p1 + jj]).fma(v0, a1);
            a2 = FloatVector.broadcast(F, p[p2 + jj]).fma(v0, a2);
            a3 = FloatVector.broadcast(F, p[p3 + jj]).fma(v0, a3);
            if (jj == BK - 1) {
                a0.intoArray(acc, 0);
                a1.intoArray(acc, L);
                a2.intoArray(acc, 2 * L);
                a3.intoArray(acc, 3 * L);
            }
        }
    }

    /**
     * O[r + i][c + t·L …] ← corr[r + i]·O + acc[(i·nv + t)·L …] for the 4 rows and nv vectors of one P·V call: the online
     * softmax's rescale of O, applied once per key block as the block's P·V is added (no separate pass over O).
     */
    private static void fold(Scratch w, int r, int c, int nv, int dp) {
        float[] o = w.o, acc = w.acc;
        for (int i = 0; i < 4; i++) {
            FloatVector cv = FloatVector.broadcast(F, w.corr[r + i]);
            for (int t = 0, oi = (r + i) * dp + c, ai = i * nv * L; t < nv; t++, oi += L, ai += L)
                cv.fma(FloatVector.fromArray(F, o, oi), FloatVector.fromArray(F, acc, ai))
                        .intoArray(o, oi);
        }
    }

    /**
     * e^x for x ≤ 0 (scores minus their max) in single precision, after Cephes' expf: x = n·ln2 + r with
     * n = round(x/ln2) (by the 1.5·2²³ magic-number trick, so no float→int conversion, which JDK 17 does
     * not compile to vector code), e^r by a degree-6 polynomial, 2^n through the exponent bits.
     * Relative error ≈ 1e-7; below −87 it returns ≈ 1e-38 (not 0), harmless next to the row's max weight 1.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87.0f);
        FloatVector m = x.fma(FloatVector.broadcast(F, 1.44269504088896341f), FloatVector.broadcast(F, 12582912f));
        FloatVector fx = m.sub(12582912f); // round(x / ln2)
        FloatVector r = fx.fma(FloatVector.broadcast(F, -0.693359375f), x)
                .add(fx.mul(2.12194440e-4f)); // x − n·ln2 in two parts
        FloatVector y = FloatVector.broadcast(F, 1.9875691500e-4f)
                .fma(r, FloatVector.broadcast(F, 1.3981999507e-3f))
                .fma(r, FloatVector.broadcast(F, 8.3334519073e-3f))
                .fma(r, FloatVector.broadcast(F, 4.1665795894e-2f))
                .fma(r, FloatVector.broadcast(F, 1.6666665459e-1f))
                .fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
        y = y.fma(r.mul(r), r).add(1f);
        // m's low mantissa bits hold n + 0x400000 (the magic number's bits are 0x4B400000)
        IntVector e = m.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(e.reinterpretAsFloats());
    }

    /** {@link #exp2(FloatVector)} for one float: the same steps in scalar code (no vector, no call). */
    static float exp2(float x) {
        x = Math.max(x, -126f);
        float n = (x + 12582912f) - 12582912f, r = x - n;
        float y = Math.fma(
                Math.fma(
                        Math.fma(
                                Math.fma(
                                        Math.fma(
                                                Math.fma(1.5345810970757157e-4f, r, 1.3399930903688073e-3f),
                                                r,
                                                9.618489071726799e-3f),
                                        r,
                                        5.550328642129898e-2f),
                                r,
                                2.4022646248340607e-1f),
                        r,
                        6.931471824645996e-1f),
                r,
                1f);
        return y * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /**
     * 2^x for x ≤ 0 in single precision: x = n + r with n = round(x) (magic-number rounding, as in {@link #exp}),
     * r ∈ [−½, ½], 2^r by a degree-6 near-minimax polynomial (relative error 1e-7 in float), 2^n through the
     * exponent bits. Three operations fewer than {@link #exp}: the softmax works in base 2 (log2 e folded into
     * the query scale and the slopes). Below −126 it returns 2^−126 (not 0), harmless next to the row's max weight 1.
     */
    static FloatVector exp2(FloatVector x) {
        x = x.blend(-126f, x.lt(-126f)); // max(x, −126) for x not NaN: 2 instructions, Java's max 6
        FloatVector m = x.add(12582912f); // 1.5·2²³: n in the low mantissa bits
        FloatVector r = x.sub(m.sub(12582912f));
        FloatVector y = FloatVector.broadcast(F, 1.5345810970757157e-4f)
                .fma(r, FloatVector.broadcast(F, 1.3399930903688073e-3f))
                .fma(r, FloatVector.broadcast(F, 9.618489071726799e-3f))
                .fma(r, FloatVector.broadcast(F, 5.550328642129898e-2f))
                .fma(r, FloatVector.broadcast(F, 2.4022646248340607e-1f))
                .fma(r, FloatVector.broadcast(F, 6.931471824645996e-1f))
                .fma(r, FloatVector.broadcast(F, 1f));
        IntVector e = m.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(e.reinterpretAsFloats());
    }
}
