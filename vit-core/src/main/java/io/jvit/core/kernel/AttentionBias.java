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
            if (gridH < 1 || gridW < 1 || prefix < 0) throw new IllegalArgumentException("bad ALiBi grid " + gridH + "×" + gridW + " + " + prefix);
            if (table.length != gridH * gridW)
                throw new IllegalArgumentException("ALiBi table has " + table.length + " entries, the grid " + gridH * gridW);
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

        /** M's row for token {@code query} over all {@code n} key tokens (prefix columns 0), into {@code row[off…off+n)}. */
        void row(float[] ext, int query, float[] row, int off, int n) {
            Arrays.fill(row, off, off + prefix, 0f);
            if (query < prefix) { Arrays.fill(row, off, off + n, 0f); return; }
            int w = gridW, ew = 2 * w - 1, a = query - prefix, iq = a / w, jq = a % w;
            for (int ib = 0; ib < gridH; ib++)
                System.arraycopy(ext, Math.abs(iq - ib) * ew + (w - 1 - jq), row, off + prefix + ib * w, w);
        }

        void check(AttentionShape s) {
            if (s.tokens() != prefix + gridH * gridW)
                throw new IllegalArgumentException("the ALiBi grid " + gridH + "×" + gridW + " + " + prefix + " prefix tokens = "
                        + (prefix + gridH * gridW) + " tokens does not match N = " + s.tokens());
            if (slopes.length != s.heads())
                throw new IllegalArgumentException(slopes.length + " ALiBi slopes for " + s.heads() + " heads");
        }
    }
}
