package io.jvit.bench;

import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.Alibi2d;
import io.jvit.train.samediff.AdamW;
import io.jvit.train.samediff.DistillationLoss;
import io.jvit.train.samediff.SameDiffDistiller;
import io.jvit.train.retrofit.Students;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Claim: one distillation step (teacher forward with the fast engine, student forward + backward on the
 * SameDiff graph, AdamW) of ViT-S/14-reg4 at 224², batch 8, on this machine. Steps/s = 1000 / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-Dorg.bytedeco.javacpp.maxbytes=20G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=22G"})
public class DistillationStepBench {
    /** Images per forward/backward (gradients accumulated to the batch of 8): 8 = no accumulation. */
    @Param({"8", "2"}) public int microBatch;

    SameDiffDistiller distiller;
    INDArray images;

    @Setup
    public void setup() {
        io.jvit.core.util.Threads.configure(1);
        ViTConfig cfg = Presets.get("dinov2_vits14_reg4");
        VisionTransformer teacher = new VisionTransformer(cfg, ViTWeights.random(cfg, 0, 1e-5, DataType.FLOAT));
        distiller = new SameDiffDistiller(teacher, Students.of(teacher, Alibi2d.paperDefault()), 16, 16, DistillationLoss.COSINE, new int[0],
                new AdamW(1e-4, 0.9, 0.999, 1e-8, 0.05), 1).microBatch(microBatch);
        images = Nd4j.rand(DataType.FLOAT, 8, 3, 224, 224);
    }

    @Benchmark
    public double step() { return distiller.step(images); }

    @Benchmark
    public void baseline(Blackhole bh) { bh.consume(images); }
}
