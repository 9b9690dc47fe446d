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
 * scale and the slope) for {@link #exp2}. Both products run a 6 × 4L register-blocked micro-kernel (6 queries ×
 * four vectors of keys or channels: 24 named accumulators, 4 loads and 6 broadcasts per step; on AVX-512 at d = 64,
 * 64 keys of S or a whole output row of P·V per step), on K packed per key block as (d, BK) and V as (N, d).
 * Width-generic (the tests pass with 8 and 4 lanes, {@code -XX:MaxVectorSize=32} and {@code 16}); on an AVX2 core with
 * 16 ymm registers the 28-register tile must spill (not measured: with 8 lanes on this AVX-512 core, which still has
 * 32 registers, it is 0.88× the old kernel's time at N = 1374). 6 × 4L against 6 × 2L, the online
 * softmax's correction folded into P·V, its sum kept per lane, two rows per call: 0.86× the time at N = 5476 with
 * ALiBi, 0.78× without (in-process A/B, 17 pairs). Not tried: 8 × 3L (the GEMM's; 48 does not divide d = 64 for P·V,
 * and Q·Kᵀ would need BK a multiple of 48). Lost: all four steps per group of 6 queries (their scores kept in L1;
 * 1.07×, with BK = 64 1.17×: K and V then take turns in L1); the ALiBi bias added by the softmax as it reads the
 * scores (one call site, a zero table without bias: 1.3–1.5×, with and without bias).
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
    private static final FloatVector ZERO = FloatVector.zero(F), LOW = FloatVector.broadcast(F, -126f), MAGIC = FloatVector.broadcast(F, 12582912f);
    private static final FloatVector E6 = FloatVector.broadcast(F, 1.5345810970757157e-4f), E5 = FloatVector.broadcast(F, 1.3399930903688073e-3f),
            E4 = FloatVector.broadcast(F, 9.618489071726799e-3f), E3 = FloatVector.broadcast(F, 5.550328642129898e-2f),
            E2 = FloatVector.broadcast(F, 2.4022646248340607e-1f), E1 = FloatVector.broadcast(F, 6.931471824645996e-1f),
            E0 = FloatVector.broadcast(F, 1f);
    /** 2²³ (a shift by 23 as a multiply, whose receiver is this constant) and the exponent bias moved there. */
    private static final IntVector SHIFT23 = IntVector.broadcast(I, 1 << 23), BIAS23 = IntVector.broadcast(I, (0x4B400000 - 127) << 23);
    static final int BQ = 192;                 // queries per block (a multiple of 6): each K and V block streamed from L3 serves 192
                                               // queries (48 → 192: 0.89× the time at N = 5476, in-process A/B, 16 pairs; 288, 384: no gain)
    static final int BK = 128;                 // keys per block (a multiple of 4L): a (d × BK) K block is 32 KB at d = 64
                                               // (with 6 × 4L: 64 and 256 lose, 1.04× and 1.06×; BQ = 96 1.06×)
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
        final float[] q, o, sc, m, l, corr;
        Scratch(int dp) {
            q = new float[BQ * dp];
            o = new float[BQ * dp];
            sc = new float[BQ * BK];
            m = new float[BQ];
            l = new float[BQ * L];           // per row, a vector of lane sums
            corr = new float[BQ];
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
            for (int r = 0; r < rows6; r += 2) softmaxStep(w, r);   // two rows at a time: two independent chains
            for (int r = 0; r < rows6; r += 6) {
                int c = 0;
                for (; c + 4 * L <= dp; c += 4 * L) accumulate6(w.sc, w.corr, r, kv.v(), j0, dp, c, w.o);
                for (; c < dp; c += L) accumulate6x1(w.sc, w.corr, r, kv.v(), j0, dp, c, w.o);
            }
        }
        for (int r = 0; r < rows; r++) {
            int oi = out.offset() + (b * n + q0 + r) * out.stride() + h * d;
            float l = FloatVector.fromArray(F, w.l, r * L).reduceLanes(VectorOperators.ADD), inv = 1f / l;
            for (int c = 0; c < d; c++) out.data()[oi + c] = w.o[r * dp + c] * inv;
            if (lse != null)                                          // m and the logits are in base 2: ln Σ e^s = m·ln 2 + ln l
                lse[(b * s.heads() + h) * n + q0 + r] = (float) (w.m[r] * LN2 + Math.log(l));
        }
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

    /**
     * S[r..r+6][0..BK) = Q[r..r+6]·K_blockᵀ: 6 queries × 4L keys per step (24 named accumulators, 4 loads of K and
     * 6 broadcasts of Q per 24 multiply-adds; on AVX-512 64 keys, 28 of the 32 zmm registers), d multiply-adds deep.
     */
    private static void scores6(float[] q, int r, int dp, float[] k, int kBase, int d, float[] sc) {
        int q0 = r * dp, q1 = q0 + dp, q2 = q1 + dp, q3 = q2 + dp, q4 = q3 + dp, q5 = q4 + dp;
        for (int jj = 0; jj < BK; jj += 4 * L) {
            FloatVector z = ZERO;
            FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z, a20 = z, a21 = z, a22 = z, a23 = z;
            FloatVector a30 = z, a31 = z, a32 = z, a33 = z, a40 = z, a41 = z, a42 = z, a43 = z, a50 = z, a51 = z, a52 = z, a53 = z;
            int kc = kBase + jj;
            for (int c = 0; c < d; c++, kc += BK) {
                FloatVector k0 = FloatVector.fromArray(F, k, kc), k1 = FloatVector.fromArray(F, k, kc + L);
                FloatVector k2 = FloatVector.fromArray(F, k, kc + 2 * L), k3 = FloatVector.fromArray(F, k, kc + 3 * L);
                FloatVector b;
                b = FloatVector.broadcast(F, q[q0 + c]); a00 = b.fma(k0, a00); a01 = b.fma(k1, a01); a02 = b.fma(k2, a02); a03 = b.fma(k3, a03);
                b = FloatVector.broadcast(F, q[q1 + c]); a10 = b.fma(k0, a10); a11 = b.fma(k1, a11); a12 = b.fma(k2, a12); a13 = b.fma(k3, a13);
                b = FloatVector.broadcast(F, q[q2 + c]); a20 = b.fma(k0, a20); a21 = b.fma(k1, a21); a22 = b.fma(k2, a22); a23 = b.fma(k3, a23);
                b = FloatVector.broadcast(F, q[q3 + c]); a30 = b.fma(k0, a30); a31 = b.fma(k1, a31); a32 = b.fma(k2, a32); a33 = b.fma(k3, a33);
                b = FloatVector.broadcast(F, q[q4 + c]); a40 = b.fma(k0, a40); a41 = b.fma(k1, a41); a42 = b.fma(k2, a42); a43 = b.fma(k3, a43);
                b = FloatVector.broadcast(F, q[q5 + c]); a50 = b.fma(k0, a50); a51 = b.fma(k1, a51); a52 = b.fma(k2, a52); a53 = b.fma(k3, a53);
            }
            int s = r * BK + jj;
            ZERO.add(a00).intoArray(sc, s); ZERO.add(a01).intoArray(sc, s + L); ZERO.add(a02).intoArray(sc, s + 2 * L); ZERO.add(a03).intoArray(sc, s + 3 * L); s += BK;
            ZERO.add(a10).intoArray(sc, s); ZERO.add(a11).intoArray(sc, s + L); ZERO.add(a12).intoArray(sc, s + 2 * L); ZERO.add(a13).intoArray(sc, s + 3 * L); s += BK;
            ZERO.add(a20).intoArray(sc, s); ZERO.add(a21).intoArray(sc, s + L); ZERO.add(a22).intoArray(sc, s + 2 * L); ZERO.add(a23).intoArray(sc, s + 3 * L); s += BK;
            ZERO.add(a30).intoArray(sc, s); ZERO.add(a31).intoArray(sc, s + L); ZERO.add(a32).intoArray(sc, s + 2 * L); ZERO.add(a33).intoArray(sc, s + 3 * L); s += BK;
            ZERO.add(a40).intoArray(sc, s); ZERO.add(a41).intoArray(sc, s + L); ZERO.add(a42).intoArray(sc, s + 2 * L); ZERO.add(a43).intoArray(sc, s + 3 * L); s += BK;
            ZERO.add(a50).intoArray(sc, s); ZERO.add(a51).intoArray(sc, s + L); ZERO.add(a52).intoArray(sc, s + 2 * L); ZERO.add(a53).intoArray(sc, s + 3 * L);
        }
    }

    /**
     * Online softmax for rows r and r + 1 (two independent chains of max, exp and sum for the out-of-order core to
     * overlap): the new max (by compare and blend: Java's NaN- and −0-exact max is 6 instructions on x86, this 2),
     * P = 2^(S − max) in place, the running sum (kept as a vector of lane sums, {@code l[r·L…]}, added up once at the
     * end), and the factor 2^(old max − new max) that {@link #accumulate6} applies to the row's output as it loads it (no
     * pass over O here, no branch). {@link #exp2} is written out (see the class comment on helpers taking vectors); the
     * factor by the scalar {@link #exp2(float)}. Every vector carried around a loop here (the maxima, the sums) is an
     * argument of the vector method that updates it, never its receiver, and reaches a reduction through
     * {@code zero(F).add(…)} or a store through {@code fromArray(…).fma(…, sum)}: see the class comment.
     */
    private static void softmaxStep(Scratch w, int r) {
        int sa = r * BK, sb = sa + BK;
        float[] sc = w.sc;
        FloatVector ma = FloatVector.fromArray(F, sc, sa), mb = FloatVector.fromArray(F, sc, sb);
        for (int jj = L; jj < BK; jj += L) {
            FloatVector xa = FloatVector.fromArray(F, sc, sa + jj), xb = FloatVector.fromArray(F, sc, sb + jj);
            ma = xa.blend(ma, xa.lt(ma));                                     // the loop's vector an argument, never the receiver
            mb = xb.blend(mb, xb.lt(mb));
        }
        FloatVector z = ZERO;
        float aOld = w.m[r], aNew = Math.max(aOld, z.add(ma).reduceLanes(VectorOperators.MAX));
        float bOld = w.m[r + 1], bNew = Math.max(bOld, z.add(mb).reduceLanes(VectorOperators.MAX));
        w.m[r] = aNew;
        w.m[r + 1] = bNew;
        FloatVector mva = FloatVector.broadcast(F, aNew), mvb = FloatVector.broadcast(F, bNew), suma = z, sumb = z;
        for (int jj = 0; jj < BK; jj += L) {                                  // exp2 of both rows, written out
            FloatVector xa = FloatVector.fromArray(F, sc, sa + jj).sub(mva), xb = FloatVector.fromArray(F, sc, sb + jj).sub(mvb);
            xa = xa.blend(LOW, xa.lt(LOW));
            xb = xb.blend(LOW, xb.lt(LOW));
            FloatVector na = xa.add(MAGIC), nb = xb.add(MAGIC);                // n in the low mantissa bits
            FloatVector ea = SHIFT23.mul(na.reinterpretAsInts()).sub(BIAS23).reinterpretAsFloats();   // 2^n
            FloatVector eb = SHIFT23.mul(nb.reinterpretAsInts()).sub(BIAS23).reinterpretAsFloats();
            FloatVector fa = xa.sub(na.sub(MAGIC)), fb = xb.sub(nb.sub(MAGIC));
            FloatVector pa = E6.fma(fa, E5).fma(fa, E4).fma(fa, E3).fma(fa, E2).fma(fa, E1).fma(fa, E0).mul(ea);
            FloatVector pb = E6.fma(fb, E5).fma(fb, E4).fma(fb, E3).fma(fb, E2).fma(fb, E1).fma(fb, E0).mul(eb);
            pa.intoArray(sc, sa + jj);
            pb.intoArray(sc, sb + jj);
            suma = pa.add(suma);
            sumb = pb.add(sumb);
        }
        float ca = exp2(aOld - aNew), cb = exp2(bOld - bNew);               // the first block: 2^−126 × (l = 0, O = 0)
        w.corr[r] = ca;
        w.corr[r + 1] = cb;
        ZERO.add(FloatVector.fromArray(F, w.l, r * L)).fma(FloatVector.broadcast(F, ca), suma).intoArray(w.l, r * L);
        ZERO.add(FloatVector.fromArray(F, w.l, r * L + L)).fma(FloatVector.broadcast(F, cb), sumb).intoArray(w.l, r * L + L);
    }

    /**
     * O[r..r+6][c..c+4L) += P[r..r+6]·V_block[·][c..c+4L): 6 queries × 4L channels per step (24 named accumulators, 4 loads
     * of V and 6 broadcasts of P per 24 multiply-adds; at d = 64 on AVX-512 a whole output row), BK deep. Nothing else
     * in this method: see the class comment on C2's node budget.
     */
    private static void accumulate6(float[] p, float[] corr, int r, float[] v, int j0, int dp, int c, float[] o) {
        int p0 = r * BK, p1 = p0 + BK, p2 = p1 + BK, p3 = p2 + BK, p4 = p3 + BK, p5 = p4 + BK;
        int o0 = r * dp + c, o1 = o0 + dp, o2 = o1 + dp, o3 = o2 + dp, o4 = o3 + dp, o5 = o4 + dp;
        FloatVector z = ZERO;
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z, a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z, a40 = z, a41 = z, a42 = z, a43 = z, a50 = z, a51 = z, a52 = z, a53 = z;
        int vi = j0 * dp + c;
        for (int jj = 0; jj < BK; jj++, vi += dp) {
            FloatVector v0 = FloatVector.fromArray(F, v, vi), v1 = FloatVector.fromArray(F, v, vi + L);
            FloatVector v2 = FloatVector.fromArray(F, v, vi + 2 * L), v3 = FloatVector.fromArray(F, v, vi + 3 * L);
            FloatVector b;
            b = FloatVector.broadcast(F, p[p0 + jj]); a00 = b.fma(v0, a00); a01 = b.fma(v1, a01); a02 = b.fma(v2, a02); a03 = b.fma(v3, a03);
            b = FloatVector.broadcast(F, p[p1 + jj]); a10 = b.fma(v0, a10); a11 = b.fma(v1, a11); a12 = b.fma(v2, a12); a13 = b.fma(v3, a13);
            b = FloatVector.broadcast(F, p[p2 + jj]); a20 = b.fma(v0, a20); a21 = b.fma(v1, a21); a22 = b.fma(v2, a22); a23 = b.fma(v3, a23);
            b = FloatVector.broadcast(F, p[p3 + jj]); a30 = b.fma(v0, a30); a31 = b.fma(v1, a31); a32 = b.fma(v2, a32); a33 = b.fma(v3, a33);
            b = FloatVector.broadcast(F, p[p4 + jj]); a40 = b.fma(v0, a40); a41 = b.fma(v1, a41); a42 = b.fma(v2, a42); a43 = b.fma(v3, a43);
            b = FloatVector.broadcast(F, p[p5 + jj]); a50 = b.fma(v0, a50); a51 = b.fma(v1, a51); a52 = b.fma(v2, a52); a53 = b.fma(v3, a53);
        }
        FloatVector cv;                                               // O ← corr·O + P·V, corr the receiver (exact: ZERO.add)
        cv = ZERO.add(FloatVector.broadcast(F, corr[r]));
        cv.fma(FloatVector.fromArray(F, o, o0), a00).intoArray(o, o0); cv.fma(FloatVector.fromArray(F, o, o0 + L), a01).intoArray(o, o0 + L);
        cv.fma(FloatVector.fromArray(F, o, o0 + 2 * L), a02).intoArray(o, o0 + 2 * L); cv.fma(FloatVector.fromArray(F, o, o0 + 3 * L), a03).intoArray(o, o0 + 3 * L);
        cv = ZERO.add(FloatVector.broadcast(F, corr[r + 1]));
        cv.fma(FloatVector.fromArray(F, o, o1), a10).intoArray(o, o1); cv.fma(FloatVector.fromArray(F, o, o1 + L), a11).intoArray(o, o1 + L);
        cv.fma(FloatVector.fromArray(F, o, o1 + 2 * L), a12).intoArray(o, o1 + 2 * L); cv.fma(FloatVector.fromArray(F, o, o1 + 3 * L), a13).intoArray(o, o1 + 3 * L);
        cv = ZERO.add(FloatVector.broadcast(F, corr[r + 2]));
        cv.fma(FloatVector.fromArray(F, o, o2), a20).intoArray(o, o2); cv.fma(FloatVector.fromArray(F, o, o2 + L), a21).intoArray(o, o2 + L);
        cv.fma(FloatVector.fromArray(F, o, o2 + 2 * L), a22).intoArray(o, o2 + 2 * L); cv.fma(FloatVector.fromArray(F, o, o2 + 3 * L), a23).intoArray(o, o2 + 3 * L);
        cv = ZERO.add(FloatVector.broadcast(F, corr[r + 3]));
        cv.fma(FloatVector.fromArray(F, o, o3), a30).intoArray(o, o3); cv.fma(FloatVector.fromArray(F, o, o3 + L), a31).intoArray(o, o3 + L);
        cv.fma(FloatVector.fromArray(F, o, o3 + 2 * L), a32).intoArray(o, o3 + 2 * L); cv.fma(FloatVector.fromArray(F, o, o3 + 3 * L), a33).intoArray(o, o3 + 3 * L);
        cv = ZERO.add(FloatVector.broadcast(F, corr[r + 4]));
        cv.fma(FloatVector.fromArray(F, o, o4), a40).intoArray(o, o4); cv.fma(FloatVector.fromArray(F, o, o4 + L), a41).intoArray(o, o4 + L);
        cv.fma(FloatVector.fromArray(F, o, o4 + 2 * L), a42).intoArray(o, o4 + 2 * L); cv.fma(FloatVector.fromArray(F, o, o4 + 3 * L), a43).intoArray(o, o4 + 3 * L);
        cv = ZERO.add(FloatVector.broadcast(F, corr[r + 5]));
        cv.fma(FloatVector.fromArray(F, o, o5), a50).intoArray(o, o5); cv.fma(FloatVector.fromArray(F, o, o5 + L), a51).intoArray(o, o5 + L);
        cv.fma(FloatVector.fromArray(F, o, o5 + 2 * L), a52).intoArray(o, o5 + 2 * L); cv.fma(FloatVector.fromArray(F, o, o5 + 3 * L), a53).intoArray(o, o5 + 3 * L);
    }

    /** The same for one vector of channels (dp not a multiple of 4L: padded or small d). */
    private static void accumulate6x1(float[] p, float[] corr, int r, float[] v, int j0, int dp, int c, float[] o) {
        int p0 = r * BK, p1 = p0 + BK, p2 = p1 + BK, p3 = p2 + BK, p4 = p3 + BK, p5 = p4 + BK;
        int o0 = r * dp + c, o1 = o0 + dp, o2 = o1 + dp, o3 = o2 + dp, o4 = o3 + dp, o5 = o4 + dp;
        FloatVector a0 = ZERO, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        int vi = j0 * dp + c;
        for (int jj = 0; jj < BK; jj++, vi += dp) {
            FloatVector v0 = FloatVector.fromArray(F, v, vi);
            a0 = FloatVector.broadcast(F, p[p0 + jj]).fma(v0, a0);
            a1 = FloatVector.broadcast(F, p[p1 + jj]).fma(v0, a1);
            a2 = FloatVector.broadcast(F, p[p2 + jj]).fma(v0, a2);
            a3 = FloatVector.broadcast(F, p[p3 + jj]).fma(v0, a3);
            a4 = FloatVector.broadcast(F, p[p4 + jj]).fma(v0, a4);
            a5 = FloatVector.broadcast(F, p[p5 + jj]).fma(v0, a5);
        }
        ZERO.add(FloatVector.broadcast(F, corr[r])).fma(FloatVector.fromArray(F, o, o0), a0).intoArray(o, o0);
        ZERO.add(FloatVector.broadcast(F, corr[r + 1])).fma(FloatVector.fromArray(F, o, o1), a1).intoArray(o, o1);
        ZERO.add(FloatVector.broadcast(F, corr[r + 2])).fma(FloatVector.fromArray(F, o, o2), a2).intoArray(o, o2);
        ZERO.add(FloatVector.broadcast(F, corr[r + 3])).fma(FloatVector.fromArray(F, o, o3), a3).intoArray(o, o3);
        ZERO.add(FloatVector.broadcast(F, corr[r + 4])).fma(FloatVector.fromArray(F, o, o4), a4).intoArray(o, o4);
        ZERO.add(FloatVector.broadcast(F, corr[r + 5])).fma(FloatVector.fromArray(F, o, o5), a5).intoArray(o, o5);
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

    /** {@link #exp2(FloatVector)} for one float: the same steps in scalar code (no vector, no call). */
    static float exp2(float x) {
        x = Math.max(x, -126f);
        float n = (x + 12582912f) - 12582912f, r = x - n;
        float y = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(1.5345810970757157e-4f, r, 1.3399930903688073e-3f), r,
                9.618489071726799e-3f), r, 5.550328642129898e-2f), r, 2.4022646248340607e-1f), r, 6.931471824645996e-1f), r, 1f);
        return y * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /**
     * 2^x for x ≤ 0 in single precision: x = n + r with n = round(x) (magic-number rounding, as in {@link #exp}),
     * r ∈ [−½, ½], 2^r by a degree-6 near-minimax polynomial (relative error 1e-7 in float), 2^n through the
     * exponent bits. Three operations fewer than {@link #exp}: the softmax works in base 2 (log2 e folded into
     * the query scale and the slopes). Below −126 it returns 2^−126 (not 0), harmless next to the row's max weight 1.
     */
    static FloatVector exp2(FloatVector x) {
        x = x.blend(-126f, x.lt(-126f));                            // max(x, −126) for x not NaN: 2 instructions, Java's max 6
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
