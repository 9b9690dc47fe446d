package io.jvit.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which tokens the probe is fitted on (paper digest c.2). The region is the top-left ⌊h·c⌋ × ⌊w·c⌋ block
 * (a centred block for the radial ramp); grid mode takes every {@code step}-th row and column of it,
 * random mode draws area // step² positions of it without replacement.
 *
 * @param random  random (paper) or grid sampling
 * @param step    grid spacing; also sets the random sample count (paper: 6)
 * @param cutoff  fraction of each axis in the region (paper: 1.0)
 */
public record SampleMask(boolean random, int step, double cutoff) {

    public SampleMask {
        if (step < 1) throw new IllegalArgumentException("mask step must be >= 1, got " + step);
        if (!(cutoff > 0 && cutoff <= 1))
            throw new IllegalArgumentException("mask cutoff must be in (0, 1], got " + cutoff);
    }

    /** The paper's setting: random, step 6, cutoff 1. */
    public static SampleMask paper() {
        return new SampleMask(true, 6, 1.0);
    }

    /** Token indices (i·w + j), ascending for grid masks, in draw order for random ones. */
    public int[] indices(int h, int w, boolean radial, long seed) {
        int ch = (int) Math.floor(h * cutoff), cw = (int) Math.floor(w * cutoff);
        int y0 = 0, y1 = ch, x0 = 0, x1 = cw;
        if (radial) {
            x0 = (int) Math.ceil((w - cw) / 2.0);
            x1 = (w + cw) / 2;
            y0 = (int) Math.ceil((h - ch) / 2.0);
            y1 = (h + ch) / 2;
        }
        List<Integer> region = new ArrayList<>();
        for (int i = y0; i < y1; i++)
            for (int j = x0; j < x1; j++)
                if (random || ((i - y0) % step == 0 && (j - x0) % step == 0)) region.add(i * w + j);
        if (!random) return region.stream().mapToInt(Integer::intValue).toArray();
        int n = region.size() / (step * step);
        Random rnd = new Random(seed);
        int[] out = new int[n];
        for (int k = 0; k < n; k++) { // partial Fisher–Yates: n draws without replacement
            int r = k + rnd.nextInt(region.size() - k);
            java.util.Collections.swap(region, k, r);
            out[k] = region.get(k);
        }
        return out;
    }
}
