package io.jvit.cuda;

import io.jvit.core.pe.AlibiDistance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The window kernel's bias table and its index arithmetic, checked on the CPU against the reference ALiBi
 * matrix ({@code AlibiDistance.matrix}, written independently) for every CTA, query row and key.
 */
class AlibiTableTest {
    private static final double LOG2E = 1.4426950408889634;

    /** Every (query, key) of every CTA reads the reference bias from its window: prefix keys 0, keys past N −∞. */
    @Test
    void everyCtaReadsTheReferenceBiasThroughTheKernelsOffsets() {
        int[][] grids = {{16, 16, 5}, {37, 37, 5}, {74, 74, 0}, {7, 30, 1}, {3, 100, 0}, {1, 64, 2}, {1, 1, 0}, {20, 9, 4}, {5, 5, 70}};
        for (int[] gr : grids)
            for (boolean wrap : new boolean[]{true, false})
                for (boolean manhattan : new boolean[]{false, true})
                    for (int queriesPerCta : new int[]{64, 128})
                        checkEveryCta(new CudaAttention.Grid(gr[0], gr[1], gr[2], wrap, manhattan, true), new float[]{1f, 0.25f, 0.0625f}, queriesPerCta);
    }

    private static void checkEveryCta(CudaAttention.Grid g, float[] slopes, int queriesPerCta) {
        AlibiTable t = AlibiTable.of(g, slopes, queriesPerCta);
        int n = g.prefix() + g.gridH() * g.gridW();
        float[] m = AlibiDistance.matrix(g.gridH(), g.gridW(), g.prefix(), g.manhattan() ? AlibiDistance.Metric.MANHATTAN : AlibiDistance.Metric.EUCLIDEAN, g.wrap(), true);
        int keys = (n + 63) / 64 * 64;                              // the last key tile (64 keys) runs past N
        int heads = n > 2000 ? 1 : slopes.length, checked = 0;      // the largest grid: one head (10⁸ pairs are enough)
        for (int head = 0; head < heads; head++)
            for (int q0 = 0; q0 < n; q0 += queriesPerCta) {
                if (q0 < g.prefix()) continue;                         // that CTA computes its bias (v5's path)
                int yMax = t.yMax(q0, n);
                float[] win = t.window(head, q0, n);
                for (int row = q0; row < q0 + queriesPerCta; row++) {
                    int qOff = t.queryOffset(row, yMax, n);
                    for (int key = 0; key < keys; key++) {
                        int at = qOff + t.keyOffset(key, n);
                        if (at < 0 || at >= win.length) throw new AssertionError(g + " q0=" + q0 + " row=" + row + " key=" + key + ": offset " + at + " outside the window");
                        if (row >= n) continue;                        // any in-window value will do: not stored
                        double want = key >= n ? Double.NEGATIVE_INFINITY : slopes[head] * m[row * n + key] * LOG2E;
                        boolean ok = key >= n ? win[at] == Float.NEGATIVE_INFINITY : Math.abs(win[at] - want) <= 1e-6;
                        if (!ok) throw new AssertionError(g + " head=" + head + " row=" + row + " key=" + key + ": " + win[at] + " != " + want);
                        checked++;
                    }
                }
            }
        int firstTableRow = (g.prefix() + queriesPerCta - 1) / queriesPerCta * queriesPerCta;   // CTAs from here on read the table
        assertThat(checked).as("pairs checked for %s", g).isEqualTo(heads * Math.max(0, n - firstTableRow) * keys);
    }

    @Test
    void windowSizesAreWhatTheKernelAllocates() {
        AlibiTable t = AlibiTable.of(new CudaAttention.Grid(74, 74, 0, true, false, true), new float[6]);
        assertThat(t.stride()).isEqualTo(152);                        // 2·74 − 1 = 147 → 152
        assertThat(t.span()).isEqualTo(1);                            // 64 queries span two rows of 74
        assertThat(t.windowRows()).isEqualTo(75);
        assertThat(t.windowEntries() * 2).isEqualTo((75 + 4) * 152 * 2);   // 24 KB in fp16
        assertThat(t.values()).hasSize(6 * (2 * 74 - 1 + 1) * 152);
        AlibiTable small = AlibiTable.of(new CudaAttention.Grid(16, 16, 5, true, false, true), new float[1]);
        assertThat(small.span()).isEqualTo(4);                        // 64 queries span up to five rows of 16
        assertThat(AlibiTable.of(new CudaAttention.Grid(16, 16, 5, true, false, true), new float[1], 128).span()).isEqualTo(8);
        assertThat(AlibiTable.of(new CudaAttention.Grid(74, 74, 0, true, false, true), new float[1], 128).span()).isEqualTo(2);
        assertThatThrownBy(() -> AlibiTable.of(new CudaAttention.Grid(0, 5, 0, true, false, true), new float[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0×5");
    }

    /** Every finite fp16 value survives fp16 → float → fp16; ties go to even; overflow goes to ∞. */
    @Test
    void halfConversionRoundsToNearestEven() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) continue;  // NaN payloads
            float f = AlibiTable.fromHalf((short) h);
            assertThat(AlibiTable.toHalf(f) & 0xFFFF).as("0x%04x", h).isEqualTo(h);
        }
        assertThat(AlibiTable.toHalf(1f)).isEqualTo((short) 0x3C00);
        assertThat(AlibiTable.toHalf(-2f)).isEqualTo((short) 0xC000);
        assertThat(AlibiTable.toHalf(0.1f)).isEqualTo((short) 0x2E66);
        assertThat(AlibiTable.toHalf(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(AlibiTable.toHalf(65520f)).isEqualTo((short) 0x7C00);          // halfway to the next: even = ∞
        assertThat(AlibiTable.toHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);   // tie → even (down)
        assertThat(AlibiTable.toHalf(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02); // tie → even (up)
        assertThat(AlibiTable.toHalf(0x1p-24f)).isEqualTo((short) 0x0001);         // smallest subnormal
        assertThat(AlibiTable.toHalf(0x1p-25f)).isEqualTo((short) 0x0000);         // tie → even (zero)
        assertThat(AlibiTable.toHalf(0x1.8p-25f)).isEqualTo((short) 0x0001);
        assertThat(AlibiTable.toHalf(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xFC00);
        assertThat(AlibiTable.toHalf(1e-30f)).isEqualTo((short) 0);
        // and the table in fp16 stays within half an fp16 ulp of the fp32 one
        AlibiTable t = AlibiTable.of(new CudaAttention.Grid(37, 37, 5, true, false, true), new float[]{1f, 0.5f});
        short[] hb = t.halfBits();
        for (int i = 0; i < hb.length; i++)
            assertThat((double) AlibiTable.fromHalf(hb[i])).isCloseTo(t.values()[i], org.assertj.core.data.Offset.offset(Math.abs(t.values()[i]) * 0x1p-11 + 1e-12));
    }
}
