package io.jvit.spark;

import io.jvit.core.Backbone;
import io.jvit.core.Features;
import io.jvit.core.image.ImagePages;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.PcaBasis;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * {@code ./vit spark features --pca K}: a PCA basis (per-channel standardisation, top K directions, min-max scaling;
 * {@link PcaBasis}) fitted on the patch tokens of a sample of the folder (the first page of every
 * ({@code n / sample})-th image, computed on the executors), then applied to every image by the features job.
 */
final class PcaSample {
    private PcaSample() {}

    /** A {@link PcaBasis} as it travels to the executors (the record itself is not serializable). */
    record Basis(float[] mean, float[] std, float[][] components, float[] min, float[] max) implements Serializable {
        static Basis of(PcaBasis b) {
            return new Basis(b.mean(), b.std(), b.components(), b.min(), b.max());
        }

        PcaBasis basis() {
            return new PcaBasis(mean, std, components, min, max);
        }
    }

    /** The images of the sample: evenly spaced over the folder's order, at most {@code size}. */
    static List<ImageUnit> choose(List<ImageUnit> units, int size) {
        List<ImageUnit> chosen = new ArrayList<>();
        double step = Math.max(1.0, units.size() / (double) size);
        for (double i = 0; i < units.size() && chosen.size() < size; i += step) chosen.add(units.get((int) i));
        return chosen;
    }

    /** One sampled image's tokens, (tokens × channels) row-major. */
    record Tokens(float[] data, int channels) implements Serializable {}

    /** The sample's tokens, one array per image that could be read (the main pass reports the others). */
    record Task(FeaturesJob.Work work) implements FlatMapFunction<Iterator<ImageUnit>, Tokens> {
        @Override
        public Iterator<Tokens> call(Iterator<ImageUnit> units) throws Exception {
            List<Tokens> out = new ArrayList<>();
            try (ModelCache.Lease<Backbone> lease = work.borrow()) {
                while (units.hasNext()) {
                    ImageUnit u = units.next();
                    try {
                        Features f = lease.model()
                                .features(ImagePages.read(
                                        ImagePages.list(u.file()).get(0)));
                        out.add(new Tokens(f.data(), f.channels()));
                    } catch (Exception e) {
                        // unreadable: left out of the sample; errors.csv lists it after the main pass
                    }
                }
            }
            return out.iterator();
        }
    }

    /** Fits the basis on the sample's tokens, all images' tokens as the rows of one matrix. */
    static Basis fit(SparkRun spark, List<ImageUnit> units, FeaturesJob.Work work, int k, int size) {
        List<ImageUnit> chosen = choose(units, size);
        List<Tokens> maps = spark.context()
                .parallelize(chosen, chosen.size())
                .mapPartitions(new Task(work))
                .collect();
        if (maps.isEmpty()) throw new IllegalArgumentException("no image of the PCA sample could be read");
        int channels = maps.get(0).channels();
        int total = maps.stream().mapToInt(a -> a.data().length).sum();
        float[] all = new float[total];
        int at = 0;
        for (Tokens a : maps) {
            System.arraycopy(a.data(), 0, all, at, a.data().length);
            at += a.data().length;
        }
        return Basis.of(PcaBasis.fit(new FeatureMap(all, total / channels, 1, channels), k));
    }
}
