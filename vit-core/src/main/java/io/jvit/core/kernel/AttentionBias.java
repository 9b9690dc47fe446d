package io.jvit.core.kernel;

import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import java.util.Arrays;

/**
 * What is added to the logits q·k·scale before the softmax. Never an N × N tensor: ALiBi keeps the h·w
 * table of M by grid offset (every entry of M is one of those numbers) and per-head slopes.
 */
public sealed interface AttentionBias {

    /** No bias (learned, sin-cos, RoPE and NoPE models). */
    record None() implements AttentionBias {}

    /**
     * 2D ALiBi: {@code slope[h] · table[|Δy|·w + |Δx|]} between patch tokens; 0 where either token is
     * one of the {@code prefix} tokens (CLS, registers), which come first.
     *
     * @param table  M by offset, h·w entries (already negated, wrapped and normalised)
     * @param slopes m_h per head
     */
    record Alibi(int gridH, int gridW, int prefix, float[] table, float[] slopes) implements AttentionBias {
        public Alibi {
            if (gridH < 1 || gridW < 1 || prefix < 0)
                throw new IllegalArgumentException("bad ALiBi grid " + gridH + "×" + gridW + " + " + prefix);
            if (table.length != gridH * gridW)
                throw new IllegalArgumentException(
                        "ALiBi table has " + table.length + " entries, the grid " + gridH * gridW);
        }

        /** The paper's bias for a grid, with the slopes given per head. */
        public static Alibi of(Alibi2d pe, int gridH, int gridW, int prefix, float[] slopes) {
            double[] t = AlibiDistance.offsetTable(gridH, gridW, pe.metric(), pe.wrap(), pe.normalise());
            float[] f = new float[t.length];
            for (int i = 0; i < t.length; i++) f[i] = (float) t[i];
            return new Alibi(gridH, gridW, prefix, f, slopes.clone());
        }

        /**
         * Rows of M over the key axis for patch rows: {@code ext[dy·(2w−1) + x]} = table[dy·w + |x − (w−1)|], so that the
         * bias of query column jq against key columns 0…w−1 is the contiguous slice starting at w−1−jq.
         */
        float[] extendedRows() {
            int w = gridW, ew = 2 * w - 1;
            float[] ext = new float[gridH * ew];
            for (int dy = 0; dy < gridH; dy++)
                for (int x = 0; x < ew; x++) ext[dy * ew + x] = table[dy * w + Math.abs(x - (w - 1))];
            return ext;
        }

        /** Largest {@link #columnRows()} table built (floats): 16 M, a 128 × 128 grid; larger grids read {@link #extendedRows()}. */
        static final long COLUMN_ROWS_LIMIT = 1L << 24;
        /** The limit in force: tests lower it to exercise the extended-rows path on small grids. */
        static volatile long columnRowsLimit = COLUMN_ROWS_LIMIT;

        /**
         * M's rows in raster key order, per query column: {@code cols[jq·(2h−1)·w + (h−1 + ib − iq)·w + jb]} =
         * M((iq, jq), (ib, jb)), so the bias of a patch query against any run of patch keys, across grid rows, is one
         * contiguous slice (starting at {@code jq·(2h−1)·w + (h−1−iq)·w}, key patch index added). (2h−1)·w² floats;
         * null above {@link #COLUMN_ROWS_LIMIT} (3.2 MB at 74 × 74).
         */
        float[] columnRows() {
            int w = gridW, h = gridH;
            long size = (long) (2 * h - 1) * w * w;
            if (size > columnRowsLimit) return null;
            float[] cols = new float[(int) size];
            for (int jq = 0; jq < w; jq++)
                for (int t = 0; t < 2 * h - 1; t++) {
                    int o = (jq * (2 * h - 1) + t) * w, dy = Math.abs(t - (h - 1));
                    for (int jb = 0; jb < w; jb++) cols[o + jb] = table[dy * w + Math.abs(jb - jq)];
                }
            return cols;
        }

        /** M's row for token {@code query} over all {@code n} key tokens (prefix columns 0), into {@code row[off…off+n)}. */
        void row(float[] ext, int query, float[] row, int off, int n) {
            Arrays.fill(row, off, off + prefix, 0f);
            if (query < prefix) {
                Arrays.fill(row, off, off + n, 0f);
                return;
            }
            int w = gridW, ew = 2 * w - 1, a = query - prefix, iq = a / w, jq = a % w;
            for (int ib = 0; ib < gridH; ib++)
                System.arraycopy(ext, Math.abs(iq - ib) * ew + (w - 1 - jq), row, off + prefix + ib * w, w);
        }

        void check(AttentionShape s) {
            if (s.tokens() != prefix + gridH * gridW)
                throw new IllegalArgumentException("the ALiBi grid " + gridH + "×" + gridW + " + " + prefix
                        + " prefix tokens = " + (prefix + gridH * gridW) + " tokens does not match N = " + s.tokens());
            if (slopes.length != s.heads())
                throw new IllegalArgumentException(slopes.length + " ALiBi slopes for " + s.heads() + " heads");
        }
    }
}
