package io.jvit.core.gemm;

import io.jvit.core.util.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM with the Vector API, Goto/BLIS-style: for each block of {@link #KC} of the inner dimension, B is packed
 * into panels of {@link #NR} columns ((kc, NR), contiguous) and shared by all threads; each thread packs blocks of
 * {@link #MC} rows of A into panels of {@link #MR} rows ((kc, MR), k-major) and runs the 8 × 3L register-blocked
 * micro-kernel over them: 24 accumulators, 3 loads of B and 8 broadcasts of A per step (on AVX-512, 24 of the 32
 * zmm registers, 8 × 48 floats per tile). A B micro-panel (KC × 48 floats = 48 KB) stays near L1 while the
 * row panels of A stream from L2 (at most MC × KC × 4 = 384 KB of the 1 MB L2).
 *
 * <p>Edge tiles (fewer than MR rows or NR columns) run the same micro-kernel on zero-padded panels into a small
 * scratch tile, then copy the valid part. beta = 0 stores on the first K block (C is never read, NaNs in it do not
 * leak); alpha is folded into A while packing.
 *
 * <p>Only loaded when the {@code jdk.incubator.vector} module is present ({@link Sgemm} checks).
 */
final class VectorSgemm {
    private VectorSgemm() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final int MR = 8, NR = 3 * L;
    static final int KC = 256; // K block (128, 192, 256, 384 tried at M = 2048 on the ViT-S shapes: 256 and 384 best)
    static final int MC = 384; // most rows of A per packed block; the rows are split into equal blocks of at most
    // this (M = 261, one 224² image: one block, not 256 + 5 rows that stream every
    // B panel again for 5 rows; 128, 256, 512 tried at M = 2048: all within noise)

    /** Per-thread packing buffers, kept between calls (a forward pass makes hundreds of calls). */
    static final class Scratch {
        final float[] a = new float[(MC + MR) * KC];
        final float[] tile = new float[MR * NR];
        float[] b = new float[0]; // the packed B block, when this thread is the caller

        float[] b(int length) {
            return b.length >= length ? b : (b = new float[length]);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * All of B packed as {@link #gemm} packs it block by block: K block pc's panels start at pc · panels · NR, panel jp of
     * it at + jp · NR · kc. For a layer's weights, packed once and reused by every call.
     */
    static float[] packAll(boolean transB, float[] b, int bOff, int ldb, int k, int n) {
        int panels = (n + NR - 1) / NR;
        float[] bp = new float[panels * NR * k];
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int jp = 0; jp < panels; jp++)
                packB(transB, b, bOff, ldb, pc, kc, jp * NR, n, bp, pc * panels * NR + jp * NR * kc);
        }
        return bp;
    }

    /** @param prepacked B as {@link #packAll} made it (then b, bOff, ldb, transB are not read), or null */
    static void gemm(
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            float alpha,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float[] prepacked,
            float beta,
            float[] c,
            int cOff,
            int ldc,
            int threads,
            Epilogue epilogue) {
        if (beta != 0f && beta != 1f) scale(c, cOff, ldc, m, n, beta);
        int panels = (n + NR - 1) / NR, blocks = (m + MC - 1) / MC;
        int rowsPerBlock = ((m + blocks - 1) / blocks + MR - 1) / MR * MR; // equal blocks, whole panels of MR rows
        int mBlocks = (m + rowsPerBlock - 1) / rowsPerBlock; // (the rounding up can leave one fewer)
        float[] bp = prepacked != null ? prepacked : SCRATCH.get().b(panels * NR * Math.min(k, KC));
        // small M: split the columns too, so that both threads have work (each packs its own copy of the A block)
        int groups = mBlocks >= 2 * threads ? 1 : Math.min(threads, panels);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean first = pc == 0, last = pc + kc == k;
            boolean add = !(first && beta == 0f);
            final int p0 = pc, base = prepacked != null ? pc * panels * NR : 0;
            if (prepacked == null)
                Parallel.forRange(panels, threads, (w, from, to) -> {
                    for (int jp = from; jp < to; jp++)
                        packB(transB, b, bOff, ldb, p0, kc, jp * NR, n, bp, jp * NR * kc);
                });
            Parallel.forRange(mBlocks * groups, threads, (w, from, to) -> {
                Scratch s = SCRATCH.get();
                int packedBlock = -1;
                for (int t = from; t < to; t++) {
                    int mb = t / groups, g = t % groups;
                    int i0 = mb * rowsPerBlock, mc = Math.min(rowsPerBlock, m - i0);
                    if (mb != packedBlock) {
                        packA(transA, a, aOff, lda, i0, mc, p0, kc, alpha, s.a);
                        packedBlock = mb;
                    }
                    int jpFrom = (int) ((long) g * panels / groups), jpTo = (int) ((long) (g + 1) * panels / groups);
                    for (int jp = jpFrom; jp < jpTo; jp++) {
                        int j0 = jp * NR, nr = Math.min(NR, n - j0);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir), ci = cOff + (i0 + ir) * ldc + j0;
                            if (mr == MR && nr == NR) {
                                if (!add)
                                    for (int r = 0; r < MR; r++)
                                        java.util.Arrays.fill(c, ci + r * ldc, ci + r * ldc + NR, 0f);
                                kernel(kc, s.a, ir * kc, bp, base + jp * NR * kc, c, ci, ldc);
                            } else {
                                java.util.Arrays.fill(s.tile, 0f);
                                kernel(kc, s.a, ir * kc, bp, base + jp * NR * kc, s.tile, 0, NR);
                                for (int r = 0; r < mr; r++)
                                    for (int q = 0; q < nr; q++)
                                        c[ci + r * ldc + q] =
                                                add ? c[ci + r * ldc + q] + s.tile[r * NR + q] : s.tile[r * NR + q];
                            }
                            if (last && epilogue != null) epilogue.apply(c, cOff, ldc, i0 + ir, mr, j0, nr);
                        }
                    }
                }
            });
        }
    }

    /** C ← beta·C on the m × n window. */
    static void scale(float[] c, int cOff, int ldc, int m, int n, float beta) {
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] *= beta;
    }

    /**
     * B rows [p0, p0 + kc) × columns [j0, j0 + NR) into dst as (kc, NR), zero past column n. transB: B is stored
     * (n, k), so column j of op(B) is row j of the stored matrix.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int n, float[] dst, int d) {
        int nr = Math.min(NR, n - j0);
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * ldb + j0, o = d + p * NR;
                System.arraycopy(b, src, dst, o, nr);
                if (nr < NR) java.util.Arrays.fill(dst, o + nr, o + NR, 0f);
            }
        } else {
            for (int q = 0; q < nr; q++) {
                int src = bOff + (j0 + q) * ldb + p0;
                for (int p = 0; p < kc; p++) dst[d + p * NR + q] = b[src + p];
            }
            for (int q = nr; q < NR; q++) for (int p = 0; p < kc; p++) dst[d + p * NR + q] = 0f;
        }
    }

    /** A rows [i0, i0 + mc) × columns [p0, p0 + kc), times alpha, into panels of MR rows ((kc, MR) each), zero-padded rows. */
    static void packA(
            boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float alpha, float[] dst) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir), d = ir * kc;
            if (!transA) {
                for (int r = 0; r < mr; r++) {
                    int src = aOff + (i0 + ir + r) * lda + p0;
                    for (int p = 0; p < kc; p++) dst[d + p * MR + r] = a[src + p] * alpha;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + ir;
                    for (int r = 0; r < mr; r++) dst[d + p * MR + r] = a[src + r] * alpha;
                }
            }
            if (mr < MR) for (int p = 0; p < kc; p++) for (int r = mr; r < MR; r++) dst[d + p * MR + r] = 0f;
        }
    }

    /**
     * The micro-kernel: C[8 × 3L] += A panel (kc, 8) · B panel (kc, 3L). Written out by hand: 24 named
     * accumulators stay in registers (an array of vectors would not). No branch but the loop's: with an
     * "add or store" flag, C2 sometimes compiled the rarely taken side as an uncommon trap, and the recompiled
     * method ran 40 × slower in one of five runs (a cold call site does not get the vector intrinsics inlined).
     * The caller zeroes a tile that must be overwritten (it is in L1 right after).
     */
    static void kernel(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z,
                c01 = z,
                c02 = z,
                c10 = z,
                c11 = z,
                c12 = z,
                c20 = z,
                c21 = z,
                c22 = z,
                c30 = z,
                c31 = z,
                c32 = z;
        FloatVector c40 = z,
                c41 = z,
                c42 = z,
                c50 = z,
                c51 = z,
                c52 = z,
                c60 = z,
                c61 = z,
                c62 = z,
                c70 = z,
                c71 = z,
                c72 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(F, b, bi),
                    b1 = FloatVector.fromArray(F, b, bi + L),
                    b2 = FloatVector.fromArray(F, b, bi + 2 * L);
            FloatVector x;
            x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(F, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(F, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(F, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(F, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(F, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(F, a[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(F, a[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        // written out, not through a helper: C2 stops inlining in a method this size, and a vector passed to a
        // call that is not inlined is boxed (8 × slower)
        {
            c00 = c00.add(FloatVector.fromArray(F, c, co));
            c01 = c01.add(FloatVector.fromArray(F, c, co + L));
            c02 = c02.add(FloatVector.fromArray(F, c, co + 2 * L));
            c10 = c10.add(FloatVector.fromArray(F, c, co + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, co + 1 * ldc + L));
            c12 = c12.add(FloatVector.fromArray(F, c, co + 1 * ldc + 2 * L));
            c20 = c20.add(FloatVector.fromArray(F, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, co + 2 * ldc + L));
            c22 = c22.add(FloatVector.fromArray(F, c, co + 2 * ldc + 2 * L));
            c30 = c30.add(FloatVector.fromArray(F, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, co + 3 * ldc + L));
            c32 = c32.add(FloatVector.fromArray(F, c, co + 3 * ldc + 2 * L));
            c40 = c40.add(FloatVector.fromArray(F, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, co + 4 * ldc + L));
            c42 = c42.add(FloatVector.fromArray(F, c, co + 4 * ldc + 2 * L));
            c50 = c50.add(FloatVector.fromArray(F, c, co + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, co + 5 * ldc + L));
            c52 = c52.add(FloatVector.fromArray(F, c, co + 5 * ldc + 2 * L));
            c60 = c60.add(FloatVector.fromArray(F, c, co + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(F, c, co + 6 * ldc + L));
            c62 = c62.add(FloatVector.fromArray(F, c, co + 6 * ldc + 2 * L));
            c70 = c70.add(FloatVector.fromArray(F, c, co + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(F, c, co + 7 * ldc + L));
            c72 = c72.add(FloatVector.fromArray(F, c, co + 7 * ldc + 2 * L));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c10.intoArray(c, co + 1 * ldc);
        c11.intoArray(c, co + 1 * ldc + L);
        c12.intoArray(c, co + 1 * ldc + 2 * L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c22.intoArray(c, co + 2 * ldc + 2 * L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c32.intoArray(c, co + 3 * ldc + 2 * L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c42.intoArray(c, co + 4 * ldc + 2 * L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c52.intoArray(c, co + 5 * ldc + 2 * L);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + L);
        c62.intoArray(c, co + 6 * ldc + 2 * L);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + L);
        c72.intoArray(c, co + 7 * ldc + 2 * L);
    }
}
