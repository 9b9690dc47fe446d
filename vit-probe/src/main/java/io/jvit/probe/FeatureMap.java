package io.jvit.probe;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Patch features of one image, (h, w, C) row-major: {@code data[(i·w + j)·C + c]}.
 * Non-finite values are refused on construction, naming how many and where the first one is; the
 * reference code silently replaces NaN by 0, which {@link #nanToZero} reproduces when asked for.
 */
public record FeatureMap(float[] data, int h, int w, int c) {

    public FeatureMap {
        if ((long) h * w * c != data.length)
            throw new IllegalArgumentException("feature data does not match " + h + "×" + w + "×" + c);
        int nan = 0, inf = 0, first = -1;
        for (int k = 0; k < data.length; k++) {
            float v = data[k];
            if (Float.isNaN(v)) nan++;
            else if (Float.isInfinite(v)) inf++;
            else continue;
            if (first < 0) first = k;
        }
        if (first >= 0) {
            int tok = first / c;
            throw new IllegalArgumentException(String.format(
                    "features contain %d NaN and %d Inf values (first at row %d, column %d, channel %d)",
                    nan, inf, tok / w, tok % w, first % c));
        }
    }

    /** From an (h, w, C) or (1, h, w, C) array. */
    public static FeatureMap of(INDArray a, boolean nanToZero) {
        long[] s = a.shape();
        if (s.length == 4 && s[0] == 1) s = new long[] {s[1], s[2], s[3]};
        if (s.length != 3)
            throw new IllegalArgumentException(
                    "features must be (h, w, C), got shape " + java.util.Arrays.toString(a.shape()));
        float[] d = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
        return nanToZero
                ? nanToZero(d, (int) s[0], (int) s[1], (int) s[2])
                : new FeatureMap(d, (int) s[0], (int) s[1], (int) s[2]);
    }

    /** A model's features ({@link io.jvit.core.Backbone#features}); non-finite values refused. */
    public static FeatureMap of(io.jvit.core.Features f) {
        return new FeatureMap(f.data(), f.h(), f.w(), f.channels());
    }

    /** The reference code's behaviour: NaN becomes 0 (Inf is still refused). */
    public static FeatureMap nanToZero(float[] data, int h, int w, int c) {
        float[] d = data.clone();
        for (int k = 0; k < d.length; k++) if (Float.isNaN(d[k])) d[k] = 0f;
        return new FeatureMap(d, h, w, c);
    }

    public int tokens() {
        return h * w;
    }
}
