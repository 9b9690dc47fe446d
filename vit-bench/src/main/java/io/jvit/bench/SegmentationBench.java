package io.jvit.bench;

import io.jvit.core.image.Image;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.FilterBank;
import io.jvit.segment.LabelImage;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: trainable segmentation of a 1024² micrograph with the classical filter bank, trained on 10k
 * scribbled pixels and applied to every pixel, takes ≤ 10 s on this machine. {@code features} times the
 * filter bank alone; {@code trainAndApply} the whole job (features for training and for applying).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class SegmentationBench {
    @Param({"xgboost"})
    public String classifier;

    @Param({"1", "2"})
    public int threads;

    Image image;
    LabelImage labels;

    @Setup
    public void setup() {
        int side = 1024;
        image = Microstructure.GRF.generate(side, side, 1);
        int[] v = new int[side * side];
        Random r = new Random(2);
        for (int k = 0; k < 10_000; ) {
            int i = r.nextInt(v.length);
            if (v[i] != 0) continue;
            v[i] = image.pixels()[i] > 0.5f ? 2 : 1;
            k++;
        }
        labels = new LabelImage(v, side, side);
    }

    @Benchmark
    public float[][] features() {
        return FilterBank.compute(image, threads);
    }

    @Benchmark
    public int[] trainAndApply() {
        var o = new Segmenter.Options(
                Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.parse(classifier), 9, threads, 0);
        return Segmenter.train(image, labels, o, null).apply(image, null).labels();
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(image);
    }
}
