package io.jvit.bench;

import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: a whole ViT-S/14-reg4 ALiBi forward pass is faster with the fast engine than with the SameDiff
 * graph, at 224² × 8 images and at one 1036² image. One thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xmx8g",
            "-Dorg.bytedeco.javacpp.maxbytes=24G",
            "-Dorg.bytedeco.javacpp.maxphysicalbytes=28G"
        })
public class ModelForwardBench {
    @Param({"224x8", "1036x1"})
    public String input;

    @Param({"fast", "samediff"})
    public String engine;

    VisionTransformer model;
    FastViT fast;
    INDArray images;

    @Setup
    public void setup() {
        io.jvit.core.util.Threads.configure(1);
        ViTConfig cfg = Presets.get("dinov2_vits14_reg4").withPe(Alibi2d.paperDefault());
        model = new VisionTransformer(cfg, ViTWeights.random(cfg, 0, 1e-5, DataType.FLOAT));
        fast = new FastViT(model, 1);
        String[] p = input.split("x");
        int side = Integer.parseInt(p[0]), batch = Integer.parseInt(p[1]);
        images = Nd4j.rand(DataType.FLOAT, batch, 3, side, side);
    }

    @Benchmark
    public ViTOutput forward() {
        return engine.equals("fast") ? fast.forward(images) : model.forward(images);
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(images);
    }

    /** Multiply-adds × 2 of one forward pass (linear layers + attention), for GFLOP/s. */
    public static double flops(String input) {
        String[] p = input.split("x");
        int side = Integer.parseInt(p[0]), batch = Integer.parseInt(p[1]), n = (side / 14) * (side / 14) + 5, c = 384;
        double linear = 2.0 * n * (3.0 * c * c + c * c + 8.0 * c * c) * 12 + 2.0 * (n - 5) * 3 * 14 * 14 * c;
        double attention = 4.0 * 6 * (double) n * n * 64 * 12;
        return batch * (linear + attention);
    }
}
