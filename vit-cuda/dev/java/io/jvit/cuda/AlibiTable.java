package io.jvit.cuda;

/**
 * The bias table of the window kernel (v6 in {@code alibi_attention.cu}): every ALiBi bias the kernel can
 * need, built once on the host so the kernel reads a bias instead of computing it per score.
 *
 * <p>M is translation invariant (on the torus and off it), so per head one table of offsets,
 * {@code T[dy + H − 1][dx + W − 1] = m_h · M(dy, dx) · log2 e} for dy ∈ (−H, H), dx ∈ (−W, W), holds every
 * bias. A CTA's {@code queriesPerCta} consecutive queries span at most {@code span + 1} grid rows, so it
 * copies a window of {@code H + span} table rows into shared memory, followed by two pads of
 * {@code span + 1} rows holding 0 (where prefix keys point) and −∞ (where keys past N point). The bias of
 * query i and key j is then {@code window[queryOffset(i) + keyOffset(j)]}.
 *
 * <p>The index arithmetic is written here once more ({@link #yMax}, {@link #queryOffset}, {@link #keyOffset},
 * {@link #window}) exactly as the kernel does it, so that the tests check it against the reference on
 * every CTA without a GPU.
 *
 * @param values heads × rowsPerHead × stride entries, zero outside the (2H − 1) × (2W − 1) offsets
 */
public record AlibiTable(CudaAttention.Grid grid, int heads, int queriesPerCta, int stride, int span, int rowsPerHead, int windowRows,
                         int padRows, float[] values) {
    /** Queries per CTA of the four-warp kernels (BQ in the kernel); the eight-warp kernel takes 128. */
    public static final int QUERIES_PER_CTA = 64;
    private static final double LOG2E = 1.4426950408889634;

    public static AlibiTable of(CudaAttention.Grid g, float[] slopes) { return of(g, slopes, QUERIES_PER_CTA); }

    /** The table for a kernel whose CTAs hold {@code queriesPerCta} consecutive queries. */
    public static AlibiTable of(CudaAttention.Grid g, float[] slopes, int queriesPerCta) {
        int h = g.gridH(), w = g.gridW();
        if (queriesPerCta < 1) throw new IllegalArgumentException("queries per CTA must be positive, got " + queriesPerCta);
        if (h < 1 || w < 1) throw new IllegalArgumentException("grid must be at least 1×1, got " + h + "×" + w);
        int stride = (2 * w - 1 + 7) / 8 * 8;                         // 16-byte rows in fp16 and fp32
        int span = Math.min(h - 1, (queriesPerCta - 1 + w - 1) / w);
        int rowsPerHead = 2 * h - 1 + span, windowRows = h + span, padRows = span + 1;
        double norm = g.invMaxDist();
        float[] t = new float[slopes.length * rowsPerHead * stride];
        for (int head = 0; head < slopes.length; head++)
            for (int a = 0; a < 2 * h - 1; a++)
                for (int b = 0; b < 2 * w - 1; b++) {
                    int dy = Math.abs(a - (h - 1)), dx = Math.abs(b - (w - 1));
                    if (g.wrap()) { dy = Math.min(dy, h - dy); dx = Math.min(dx, w - dx); }
                    double d = g.manhattan() ? dy + dx : Math.sqrt((double) dy * dy + (double) dx * dx);
                    t[(head * rowsPerHead + a) * stride + b] = (float) (-slopes[head] * d * norm * LOG2E);
                }
        return new AlibiTable(g, slopes.length, queriesPerCta, stride, span, rowsPerHead, windowRows, padRows, t);
    }

    /** Entries of one CTA's shared window: the rows, the zero pad, the −∞ pad. */
    public int windowEntries() { return (windowRows + 2 * padRows) * stride; }

    /** Kernel parameters (struct TableParams). */
    int[] params() { return new int[]{stride, rowsPerHead, windowRows, padRows}; }

    // ---- the kernel's index arithmetic, in entries (the kernel multiplies by the entry size) ----

    /** The last grid row among the queries of the CTA starting at {@code q0} (needs q0 ≥ prefix). */
    public int yMax(int q0, int n) { return (Math.min(q0 + queriesPerCta, n) - 1 - grid.prefix()) / grid.gridW(); }

    /** Offset of query {@code row} in its CTA's window; rows past N take the last row's. */
    public int queryOffset(int row, int yMax, int n) {
        int a = Math.min(row, n - 1) - grid.prefix(), w = grid.gridW();
        return (yMax - a / w) * stride + w - 1 - a % w;
    }

    /** Offset of key {@code key}: its grid position, or the zero pad (prefix), or the −∞ pad (past N). */
    public int keyOffset(int key, int n) {
        int b = key - grid.prefix(), w = grid.gridW();
        if (key < n && b >= 0) return (b / w) * stride + b % w;
        return key < n ? windowRows * stride : (windowRows + padRows) * stride;
    }

    /** The window the CTA at {@code q0} copies for {@code head}, pads included. */
    public float[] window(int head, int q0, int n) {
        float[] win = new float[windowEntries()];
        int from = (head * rowsPerHead + grid.gridH() - 1 - yMax(q0, n)) * stride;
        System.arraycopy(values, from, win, 0, windowRows * stride);
        java.util.Arrays.fill(win, (windowRows + padRows) * stride, win.length, Float.NEGATIVE_INFINITY);
        return win;
    }

    /** The table as IEEE fp16 bits (what the fp16 kernel copies). */
    public short[] halfBits() {
        short[] s = new short[values.length];
        for (int i = 0; i < s.length; i++) s[i] = toHalf(values[i]);
        return s;
    }

    /** float → fp16 bits, round to nearest even, subnormals kept, overflow to ±∞. */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000, exp = (bits >>> 23) & 0xFF, mant = bits & 0x7FFFFF;
        if (exp == 0xFF) return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1F) return (short) (sign | 0x7C00);
        if (e <= 0) {                                                 // fp16 subnormal: value = m · 2^−24
            int shift = 126 - exp;
            if (shift > 24) return (short) sign;
            int full = mant | 0x800000, m = full >> shift, rem = full & ((1 << shift) - 1), halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (m & 1) == 1)) m++;
            return (short) (sign | m);
        }
        int m = mant >> 13, rem = mant & 0x1FFF;
        int h = (e << 10) + m;
        if (rem > 0x1000 || (rem == 0x1000 && (m & 1) == 1)) h++;   // a carry into the exponent is right, up to ∞
        return (short) (sign | h);
    }

    /** fp16 bits → float (exact). */
    static float fromHalf(short s) {
        int h = s & 0xFFFF, sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1F, mant = h & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        if (exp == 0) return Math.copySign(mant * 0x1p-24f, sign != 0 ? -1f : 1f);
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
