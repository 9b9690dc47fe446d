package io.jvit.probe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The positional fingerprint (paper digest c.6): per-channel R² of one-feature probes for every layer's
 * output, averaged over images × masks. Channels that light up across layers carry the position.
 * Multi-output ramps (lr+ud) average the channels' R² over the outputs.
 *
 * @param ramp   the target (paper: lr)
 * @param layers layer names, rows of {@link #r2}
 * @param r2     mean per-channel R², {@code r2[layer][channel]}
 * @param probes images × masks averaged
 */
public record Fingerprint(Ramp ramp, List<String> layers, double[][] r2, int probes) {

    /** Channels of {@code layer} sorted by decreasing R², the first {@code k}. */
    public int[] topChannels(int layer, int k) {
        double[] row = r2[layer];
        return IntStream.range(0, row.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> -row[c]).thenComparing(c -> c))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    public int channels() {
        return r2[0].length;
    }

    /** Adds images one at a time, so a set of images × layers never sits in memory at once. */
    public static final class Accumulator {
        private final BiasProbe probe;
        private final List<String> layers;
        private double[][] sum;
        private int probes, images;

        /** Uses {@code probe}'s ramp, mask, repeats, α and seeds (so the masks match the R² run's). */
        public Accumulator(BiasProbe probe, List<String> layers) {
            if (layers.isEmpty()) throw new IllegalArgumentException("a fingerprint needs at least one layer");
            this.probe = probe;
            this.layers = List.copyOf(layers);
        }

        /** One image's feature maps, one per layer (same grid and channel count throughout). */
        public void add(List<FeatureMap> perLayer) {
            if (perLayer.size() != layers.size())
                throw new IllegalArgumentException("expected " + layers.size() + " layers, got " + perLayer.size());
            int c = perLayer.get(0).c();
            if (sum == null) sum = new double[layers.size()][c];
            else if (sum[0].length != c)
                throw new IllegalArgumentException("channel count changed from " + sum[0].length + " to " + c);
            Ramp ramp = probe.ramp();
            FeatureMap first = perLayer.get(0);
            int masks = probe.mask().random() ? probe.repeats() : 1;
            for (int r = 0; r < masks; r++) {
                long s = probe.seed() + 1000L * images + r;
                int[] idx = probe.mask().indices(first.h(), first.w(), ramp == Ramp.RADIAL, s);
                double[][] target = ramp.values(first.h(), first.w(), s);
                for (int l = 0; l < perLayer.size(); l++)
                    for (int o = 0; o < ramp.outputs(); o++) {
                        double[] v = LinearProbe.perChannelR2(perLayer.get(l), idx, target, probe.alpha(), o);
                        for (int ch = 0; ch < c; ch++) sum[l][ch] += v[ch] / ramp.outputs();
                    }
                probes++;
            }
            images++;
        }

        public Fingerprint result() {
            if (probes == 0) throw new IllegalStateException("no images added to the fingerprint");
            double[][] mean = new double[sum.length][];
            for (int l = 0; l < sum.length; l++) {
                mean[l] = sum[l].clone();
                for (int ch = 0; ch < mean[l].length; ch++) mean[l][ch] /= probes;
            }
            return new Fingerprint(probe.ramp(), new ArrayList<>(layers), mean, probes);
        }
    }
}
