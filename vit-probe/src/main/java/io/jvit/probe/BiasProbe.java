package io.jvit.probe;

import io.jvit.core.Backbone;
import io.jvit.core.image.Image;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's aggregate (digest c.4): the probe on every image × repeat (a new random mask per repeat),
 * reported as mean ± population std of R².
 *
 * @param ramp    target
 * @param mask    sampling mask (paper: random, step 6, cutoff 1)
 * @param repeats masks per image (paper: 6)
 * @param alpha   ridge strength (paper: 1)
 * @param seed    first mask seed; repeat r of image i uses seed + 1000·i + r
 */
public record BiasProbe(Ramp ramp, SampleMask mask, int repeats, double alpha, long seed) {

    public BiasProbe {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        if (!(alpha > 0)) throw new IllegalArgumentException("ridge alpha must be > 0, got " + alpha);
    }

    public static BiasProbe paper(Ramp ramp) {
        return new BiasProbe(ramp, SampleMask.paper(), 6, 1.0, 100001);
    }

    /** R² of every (image, repeat), with their mean and population std. */
    public record Result(double mean, double std, double[] values) {
        /** The aggregate of R² values in (image, repeat) order, as {@link #run} computes it. */
        public static Result of(double[] values) {
            if (values.length == 0) throw new IllegalArgumentException("no R² values to aggregate");
            return new Result(BiasProbe.mean(values), BiasProbe.std(values), values.clone());
        }
    }

    /**
     * The probe on a model's final features of {@code images} (each fitted to the patch size as the model's options
     * say; the paper resizes: {@code Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE}).
     *
     * <pre>{@code
     * BiasProbe.Result r = BiasProbe.paper(Ramp.LR_UD).run(Backbone.load(weights, Pe.ALIBI), images);
     * }</pre>
     */
    public Result run(Backbone model, List<Image> images) {
        List<FeatureMap> maps = new ArrayList<>();
        for (Image image : images) maps.add(FeatureMap.of(model.features(image)));
        return run(maps);
    }

    /** R² of every (image, repeat), mean and population std. */
    public Result run(List<FeatureMap> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("no feature maps to probe");
        List<Double> r2 = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) for (double v : values(images.get(i), i)) r2.add(v);
        return Result.of(r2.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * R² of each repeat on one image, the {@code index}-th of the set (its masks' seeds depend on it): a distributed
     * run probes images apart and aggregates with {@link Result#of}, with the numbers of {@link #run(List)}.
     */
    public double[] values(FeatureMap f, int index) {
        double[] r2 = new double[mask.random() ? repeats : 1];
        for (int r = 0; r < r2.length; r++) {
            long s = seed + 1000L * index + r;
            int[] idx = mask.indices(f.h(), f.w(), ramp == Ramp.RADIAL, s);
            r2[r] = LinearProbe.r2(f, idx, ramp.values(f.h(), f.w(), s), alpha);
        }
        return r2;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double std(double[] v) {
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / v.length);
    }
}
