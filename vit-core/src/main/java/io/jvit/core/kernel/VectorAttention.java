package io.jvit.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A rule for every kernel here: a method that takes or returns vectors is written into its callers, or kept under 35
 * bytes of bytecode. C2 inlines a larger method only from a call site its profile calls hot; one it does not inline
 * gets its vectors boxed, and the compiled caller then runs 20–40× slower for the rest of the process (seen with a
 * retuned version of this kernel: 22 s instead of 1.4 s per forward, whenever C2 compiled it from a large-N profile).
 * {@link #exp2} and {@link #exp} stay as the readable definitions the written-out copies follow (and are tested).
 *
 * <p>The fused attention kernel with the Vector API, flash-style (FlashAttention's tiling on a CPU core):
 * a block of {@link #BQ} queries walks the keys in blocks of {@link #BK}; per key block it computes the
 * scores S = Q·Kᵀ (+ m_h·M), updates each query's running max and sum, and accumulates P·V. Neither
 * an N × N score matrix nor an N × N bias exists: a query's bias over a key block is read in place, one
 * contiguous slice of a per-query-column table ({@link AttentionBias.Alibi#columnRows()}; for very large grids,
 * a slice of the extended rows per grid row of keys). Scores are kept in base 2 (log2 e folded into the query
 * scale and the slope) for {@link #exp2}. Both products run a 6 × 2L register-blocked micro-kernel (6 queries ×
 * two vectors of keys or channels: 12 accumulators, 2 loads and 6 broadcasts per step), on K packed per key
 * block as (d, BK) and V as (N, d).
 *
 * <p>Only loaded when the {@code jdk.incubator.vector} module is present ({@link FusedAttention} checks).
 */
final class VectorAttention {
    private VectorAttention() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final int BQ = 192;                 // queries per block (a multiple of 6): each K and V block streamed from L3 serves 192
                                               // queries (48 → 192: 0.89× the time at N = 5476, in-process A/B, 16 pairs; 288, 384: no gain)
    static final int BK = 128;                 // keys per block: a (d × BK) K block is 32 KB at d = 64
    private static final float MASKED = -1e30f;
    private static final double LOG2E = 1.4426950408889634, LN2 = 0.6931471805599453;

    /** K and V of one (image, head), packed for the micro-kernels, zero-padded to whole blocks. */
    record Packed(float[] k, float[] v, int dp, int nPad) {}

    static int paddedDim(int d) { return (d + L - 1) / L * L; }

    /** Floats of the packed K and V of one (image, head). */
    static int packedLength(AttentionShape s) { return (s.tokens() + BK - 1) / BK * BK * paddedDim(s.headDim()); }

    /** Packs into {@code kp} and {@code vp} (at least {@link #packedLength} floats; reused, so the padding is zeroed here). */
    static Packed pack(Strided k, Strided v, AttentionShape s, int b, int h, float[] kp, float[] vp) {
        int n = s.tokens(), d = s.headDim(), dp = paddedDim(d), nPad = (n + BK - 1) / BK * BK;
        java.util.Arrays.fill(kp, (n - 1) / BK * BK * d, nPad * d, 0f);   // the last key block (padded keys stay 0)
        java.util.Arrays.fill(vp, n * dp, nPad * dp, 0f);
        if (dp != d) java.util.Arrays.fill(vp, 0, n * dp, 0f);            // the padded channels
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
        final float[] q, o, sc, m, l;
        Scratch(int dp) {
            q = new float[BQ * dp];
            o = new float[BQ * dp];
            sc = new float[BQ * BK];
            m = new float[BQ];
            l = new float[BQ];
        }
    }

    /**
     * Queries [q0, q0 + BQ) ∩ [0, N) of image b, head h; when {@code lse} is not null, also each query's log-sum-exp of
     * its logits (natural log) at {@code lse[(b·H + h)·N + i]}, for the backward pass.
     */
    static void block(Strided q, Packed kv, Strided out, float[] lse, AttentionShape s, AttentionBias.Alibi alibi, float[] cols, float[] ext,
                      int b, int h, int q0, Scratch w) {
        int n = s.tokens(), d = s.headDim(), dp = kv.dp(), nPad = kv.nPad();
        int rows = Math.min(BQ, n - q0), rows6 = (rows + 5) / 6 * 6;
        float scale = (float) (LOG2E / Math.sqrt(d));               // scores in base 2: the softmax takes exp2
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
            int kBase = j0 * d;                                       // block j0/BK starts at (j0/BK)·d·BK = j0·d
            for (int r = 0; r < rows6; r += 6) scores6(w.q, r, dp, kv.k(), kBase, d, w.sc);
            if (biased) {
                int prefix = alibi.prefix(), gw = alibi.gridW(), from = Math.max(0, prefix - j0), end = Math.min(BK, n - j0);
                int kb = j0 + from - prefix, ib = kb / gw, jb = kb % gw;  // the block's first patch key on the grid
                int gh = alibi.gridH(), colStride = (2 * gh - 1) * gw;
                for (int r = Math.max(0, prefix - q0), qa = q0 + r - prefix, iq = qa / gw, jq = qa % gw; r < rows; r++) {
                    if (from < end) {
                        if (cols != null) addBias(cols, jq * colStride + (gh - 1 - iq) * gw + kb, from, end, slope2, w.sc, r * BK);
                        else addBias(ext, gw, iq, jq, from, end, ib, jb, slope2, w.sc, r * BK);
                    }
                    if (++jq == gw) { jq = 0; iq++; }                   // the next query's grid position
                }
            }
            if (j0 + BK > n)                                          // padded keys take no weight
                for (int r = 0; r < rows6; r++) java.util.Arrays.fill(w.sc, r * BK + (n - j0), (r + 1) * BK, MASKED);
            for (int r = 0; r < rows6; r++) softmaxStep(w, r, dp);
            for (int r = 0; r < rows6; r += 6) accumulate6(w.sc, r, kv.v(), j0, dp, w.o);
        }
        for (int r = 0; r < rows; r++) {
            int oi = out.offset() + (b * n + q0 + r) * out.stride() + h * d;
            float inv = 1f / w.l[r];
            for (int c = 0; c < d; c++) out.data()[oi + c] = w.o[r * dp + c] * inv;
        }
        if (lse != null)                                              // m and the logits are in base 2: ln Σ e^s = m·ln 2 + ln l
            for (int r = 0, base = (b * s.heads() + h) * n + q0; r < rows; r++) lse[base + r] = (float) (w.m[r] * LN2 + Math.log(w.l[r]));
    }

    /** S[so + j] += slope · m[c + j − from] for j ∈ [from, end): a contiguous slice of M's values (a column-rows or extended-rows table). */
    static void addBias(float[] m, int c, int from, int end, float slope, float[] sc, int so) {
        FloatVector sv = FloatVector.broadcast(F, slope);
        int s = so + from, len = end - from, t = 0;
        for (int upper = F.loopBound(len); t < upper; t += L)
            FloatVector.fromArray(F, m, c + t).fma(sv, FloatVector.fromArray(F, sc, s + t)).intoArray(sc, s + t);
        for (; t < len; t++) sc[s + t] = Math.fma(m[c + t], slope, sc[s + t]);
    }

    /**
     * S[so + (j − from)] += slope · M(query, j) for keys j ∈ [from, end), the query at grid (iq, jq): M's row over
     * one grid row of keys is a contiguous slice of the extended rows {@code ext}, so the bias is read in place, a
     * run of ≤ w keys at a time, and never materialised (an M-row buffer of BQ × N floats would stream more bytes
     * from L3 than K and V). No division per run: the key block's first grid position comes in as (ib, jb).
     */
    static void addBias(float[] ext, int w, int iq, int jq, int from, int end, int ib, int jb, float slope, float[] sc, int so) {
        int ew = 2 * w - 1;
        for (int j = from; j < end; ib++, jb = 0) {
            int run = Math.min(w - jb, end - j);
            addBias(ext, Math.abs(iq - ib) * ew + (w - 1 - jq) + jb, j, j + run, slope, sc, so);
            j += run;
        }
    }

    /** S[r..r+6][0..BK) = Q[r..r+6]·K_blockᵀ: 6 queries × 2L keys per step (12 accumulators), d multiply-adds deep. */
    private static void scores6(float[] q, int r, int dp, float[] k, int kBase, int d, float[] sc) {
        int q0 = r * dp, q1 = q0 + dp, q2 = q1 + dp, q3 = q2 + dp, q4 = q3 + dp, q5 = q4 + dp;
        for (int jj = 0; jj < BK; jj += 2 * L) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                    a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            int kc = kBase + jj;
            for (int c = 0; c < d; c++, kc += BK) {
                FloatVector k0 = FloatVector.fromArray(F, k, kc), k1 = FloatVector.fromArray(F, k, kc + L);
                FloatVector b = FloatVector.broadcast(F, q[q0 + c]);
                a00 = b.fma(k0, a00); a01 = b.fma(k1, a01);
                b = FloatVector.broadcast(F, q[q1 + c]);
                a10 = b.fma(k0, a10); a11 = b.fma(k1, a11);
                b = FloatVector.broadcast(F, q[q2 + c]);
                a20 = b.fma(k0, a20); a21 = b.fma(k1, a21);
                b = FloatVector.broadcast(F, q[q3 + c]);
                a30 = b.fma(k0, a30); a31 = b.fma(k1, a31);
                b = FloatVector.broadcast(F, q[q4 + c]);
                a40 = b.fma(k0, a40); a41 = b.fma(k1, a41);
                b = FloatVector.broadcast(F, q[q5 + c]);
                a50 = b.fma(k0, a50); a51 = b.fma(k1, a51);
            }
            int s = r * BK + jj;
            a00.intoArray(sc, s); a01.intoArray(sc, s + L); s += BK;
            a10.intoArray(sc, s); a11.intoArray(sc, s + L); s += BK;
            a20.intoArray(sc, s); a21.intoArray(sc, s + L); s += BK;
            a30.intoArray(sc, s); a31.intoArray(sc, s + L); s += BK;
            a40.intoArray(sc, s); a41.intoArray(sc, s + L); s += BK;
            a50.intoArray(sc, s); a51.intoArray(sc, s + L);
        }
    }

    /** Online softmax for row r: new max, rescale the running sum and output, P = exp(S − max) in place. */
    private static void softmaxStep(Scratch w, int r, int dp) {
        int so = r * BK;
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int jj = 0; jj < BK; jj += L) mx = mx.max(FloatVector.fromArray(F, w.sc, so + jj));
        float mNew = Math.max(w.m[r], mx.reduceLanes(VectorOperators.MAX));
        float corr = (float) Math.exp((w.m[r] - mNew) * LN2);
        w.m[r] = mNew;
        FloatVector mv = FloatVector.broadcast(F, mNew), sum = FloatVector.zero(F);
        for (int jj = 0; jj < BK; jj += L) {
            FloatVector x = FloatVector.fromArray(F, w.sc, so + jj).sub(mv).max(-126f);          // exp2(x), written out: see the class comment on helpers taking vectors
            FloatVector m = x.add(12582912f), fr = x.sub(m.sub(12582912f));
            FloatVector y = FloatVector.broadcast(F, 1.5345810970757157e-4f)
                    .fma(fr, FloatVector.broadcast(F, 1.3399930903688073e-3f))
                    .fma(fr, FloatVector.broadcast(F, 9.618489071726799e-3f))
                    .fma(fr, FloatVector.broadcast(F, 5.550328642129898e-2f))
                    .fma(fr, FloatVector.broadcast(F, 2.4022646248340607e-1f))
                    .fma(fr, FloatVector.broadcast(F, 6.931471824645996e-1f))
                    .fma(fr, FloatVector.broadcast(F, 1f));
            FloatVector p = y.mul(m.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            p.intoArray(w.sc, so + jj);
            sum = sum.add(p);
        }
        w.l[r] = w.l[r] * corr + sum.reduceLanes(VectorOperators.ADD);
        if (corr != 1f) {
            FloatVector cv = FloatVector.broadcast(F, corr);
            for (int c = 0; c < dp; c += L) FloatVector.fromArray(F, w.o, r * dp + c).mul(cv).intoArray(w.o, r * dp + c);
        }
    }

    /** O[r..r+6] += P[r..r+6]·V_block: 6 queries × 2L channels per step (12 accumulators), BK deep. */
    private static void accumulate6(float[] p, int r, float[] v, int j0, int dp, float[] o) {
        int p0 = r * BK, p1 = p0 + BK, p2 = p1 + BK, p3 = p2 + BK, p4 = p3 + BK, p5 = p4 + BK;
        int c = 0;
        for (; c + 2 * L <= dp; c += 2 * L) {
            int o0 = r * dp + c, o1 = o0 + dp, o2 = o1 + dp, o3 = o2 + dp, o4 = o3 + dp, o5 = o4 + dp;
            FloatVector a00 = FloatVector.fromArray(F, o, o0), a01 = FloatVector.fromArray(F, o, o0 + L);
            FloatVector a10 = FloatVector.fromArray(F, o, o1), a11 = FloatVector.fromArray(F, o, o1 + L);
            FloatVector a20 = FloatVector.fromArray(F, o, o2), a21 = FloatVector.fromArray(F, o, o2 + L);
            FloatVector a30 = FloatVector.fromArray(F, o, o3), a31 = FloatVector.fromArray(F, o, o3 + L);
            FloatVector a40 = FloatVector.fromArray(F, o, o4), a41 = FloatVector.fromArray(F, o, o4 + L);
            FloatVector a50 = FloatVector.fromArray(F, o, o5), a51 = FloatVector.fromArray(F, o, o5 + L);
            int vi = j0 * dp + c;
            for (int jj = 0; jj < BK; jj++, vi += dp) {
                FloatVector v0 = FloatVector.fromArray(F, v, vi), v1 = FloatVector.fromArray(F, v, vi + L);
                FloatVector b = FloatVector.broadcast(F, p[p0 + jj]);
                a00 = b.fma(v0, a00); a01 = b.fma(v1, a01);
                b = FloatVector.broadcast(F, p[p1 + jj]);
                a10 = b.fma(v0, a10); a11 = b.fma(v1, a11);
                b = FloatVector.broadcast(F, p[p2 + jj]);
                a20 = b.fma(v0, a20); a21 = b.fma(v1, a21);
                b = FloatVector.broadcast(F, p[p3 + jj]);
                a30 = b.fma(v0, a30); a31 = b.fma(v1, a31);
                b = FloatVector.broadcast(F, p[p4 + jj]);
                a40 = b.fma(v0, a40); a41 = b.fma(v1, a41);
                b = FloatVector.broadcast(F, p[p5 + jj]);
                a50 = b.fma(v0, a50); a51 = b.fma(v1, a51);
            }
            a00.intoArray(o, o0); a01.intoArray(o, o0 + L);
            a10.intoArray(o, o1); a11.intoArray(o, o1 + L);
            a20.intoArray(o, o2); a21.intoArray(o, o2 + L);
            a30.intoArray(o, o3); a31.intoArray(o, o3 + L);
            a40.intoArray(o, o4); a41.intoArray(o, o4 + L);
            a50.intoArray(o, o5); a51.intoArray(o, o5 + L);
        }
        for (; c < dp; c += L) {                                      // a last single vector of channels
            for (int rr = r; rr < r + 6; rr++) {
                int oo = rr * dp + c, pp = rr * BK;
                FloatVector a = FloatVector.fromArray(F, o, oo);
                int vi = j0 * dp + c;
                for (int jj = 0; jj < BK; jj++, vi += dp) a = FloatVector.broadcast(F, p[pp + jj]).fma(FloatVector.fromArray(F, v, vi), a);
                a.intoArray(o, oo);
            }
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
        FloatVector fx = m.sub(12582912f);                                       // round(x / ln2)
        FloatVector r = fx.fma(FloatVector.broadcast(F, -0.693359375f), x).add(fx.mul(2.12194440e-4f));   // x − n·ln2 in two parts
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

    /**
     * 2^x for x ≤ 0 in single precision: x = n + r with n = round(x) (magic-number rounding, as in {@link #exp}),
     * r ∈ [−½, ½], 2^r by a degree-6 near-minimax polynomial (relative error 1e-7 in float), 2^n through the
     * exponent bits. Three operations fewer than {@link #exp}: the softmax works in base 2 (log2 e folded into
     * the query scale and the slopes). Below −126 it returns 2^−126 (not 0), harmless next to the row's max weight 1.
     */
    static FloatVector exp2(FloatVector x) {
        x = x.max(-126f);
        FloatVector m = x.add(12582912f);                            // 1.5·2²³: n in the low mantissa bits
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
