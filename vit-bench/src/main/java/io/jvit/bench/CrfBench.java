package io.jvit.bench;

import io.jvit.core.image.Image;
import io.jvit.segment.DenseCrf;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Claim: the dense CRF (the paper's kernels: Gaussian sxy 1, bilateral sxy 30 / srgb 13, compat 10 each; 10 mean-field
 * iterations) on a 1024² RGB image with 3 classes takes ≤ 2 s on one thread, the lattices' construction included.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        // the JVM as ./vit runs ./vit segment --crf: the serial collector and transparent huge pages (the launcher's
        // defaults; on a kernel without huge pages the JVM warns and goes on without them)
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xmx3g",
            "-XX:+UseSerialGC",
            "-XX:+UseTransparentHugePages"
        })
public class CrfBench {
    @Param({"1"})
    public int threads;

    @Param({"1024"})
    public int side;

    Image image;
    float[] probabilities;

    @Setup
    public void setup() {
        int n = side * side, k = 3;
        SplittableRandom r = new SplittableRandom(1);
        float[] px = new float[3 * n];
        probabilities = new float[k * n];
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++) {
                int i = y * side + x, region = ((x / 64) + (y / 96)) % k; // blocks of three colours, noisy
                for (int c = 0; c < 3; c++)
                    px[c * n + i] =
                            (float) Math.min(1, Math.max(0, (c == region ? 0.7 : 0.3) + 0.05 * r.nextGaussian()));
                int guess = r.nextDouble() < 0.3 ? r.nextInt(k) : region;
                for (int c = 0; c < k; c++) probabilities[c * n + i] = c == guess ? 0.6f : 0.2f;
            }
        image = new Image(px, 3, side, side, 8);
    }

    @Benchmark
    public float[] crf() {
        return DenseCrf.infer(probabilities, 3, image, DenseCrf.Params.PAPER, threads);
    }
}
