package io.jvit.bench;

import io.jvit.core.image.Image;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.segment.LabelImage;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Claim (issue 16, ./vit serve): retraining and predicting a 1024² image whose features are cached takes ≤ 1 s on
 * one thread: what the page waits for after each stroke. The features (classical filter bank) are prepared once in
 * the setup, as the server's cache holds them; each call trains on 10k scribbled pixels and predicts every pixel.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class ServeRetrainBench {
    @Param({"xgboost", "rf", "logistic"})
    public String classifier;

    @Param({"1"})
    public int threads;

    Segmenter.Prepared prepared;
    LabelImage labels;
    Segmenter.Options options;

    @Setup
    public void setup() {
        int side = 1024;
        Image image = Microstructure.GRF.generate(side, side, 1);
        int[] v = new int[side * side];
        Random r = new Random(2);
        for (int k = 0; k < 10_000; ) {
            int i = r.nextInt(v.length);
            if (v[i] != 0) continue;
            v[i] = image.pixels()[i] > 0.5f ? 2 : 1;
            k++;
        }
        labels = new LabelImage(v, side, side);
        options = new Segmenter.Options(
                Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.parse(classifier), 9, threads, 0);
        prepared = Segmenter.prepare(image, options, null);
    }

    @Benchmark
    public int[] retrainAndPredict() {
        return Segmenter.train(prepared, labels, options)
                .apply(prepared.image(), null)
                .labels();
    }
}
