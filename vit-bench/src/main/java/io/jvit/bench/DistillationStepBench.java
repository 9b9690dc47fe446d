package io.jvit.bench;

import io.jvit.core.Engine;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.engine.TrainableViT;
import io.jvit.train.retrofit.Distiller;
import io.jvit.train.retrofit.Retrofit;
import io.jvit.train.retrofit.Students;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: one distillation step of the retrofit — the teacher's forward (fast inference engine) on the batch, the ALiBi
 * student's forward and backward, the cosine loss on the final-normed patch tokens, one AdamW update — of a
 * ViT-S/14-reg4 (random weights, LayerScale 1e-5) is several times faster on the training engine ({@code fast}) than on
 * the SameDiff graph, in a fraction of its memory. The defaults (112², batch 2, one thread) run both engines in about a
 * minute; the paper's sizes are parameters:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp … org.openjdk.jmh.Main DistillationStepBench -p size=224 -p batch=8
 *   … DistillationStepBench -p size=518 -p batch=4 -p engine=fast
 *   … DistillationStepBench -p size=224 -p batch=8 -p engine=fast -p threads=1,2
 * </pre>
 * The setup prints the step's FLOP count ({@link #flops}); GFLOP/s = that / score. The PyTorch peer is
 * {@code vit-bench/scripts/torch_distill_step.py} (same model, loss and optimiser).
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
            "-Dorg.bytedeco.javacpp.maxbytes=20G",
            "-Dorg.bytedeco.javacpp.maxphysicalbytes=22G"
        })
public class DistillationStepBench {
    @Param({"fast", "samediff"})
    public String engine;
    /** Image side (a multiple of 14): 224 and 518 are the paper's two stages. */
    @Param({"112"})
    public int size;

    @Param({"2"})
    public int batch;
    /** Images per forward/backward (gradients accumulated to the batch); 0 = the whole batch at once. */
    @Param({"0"})
    public int microBatch;
    /** Data-parallel threads of the fast engine (the SameDiff path runs ND4J's ops on one thread either way). */
    @Param({"1"})
    public int threads;
    /** Per-block activation recomputation (fast engine only). */
    @Param({"false"})
    public boolean recompute;

    Distiller distiller;
    io.jvit.core.image.Preprocessor.Pixels images;

    @Setup
    public void setup() {
        io.jvit.core.util.Threads.configure(threads);
        ViTConfig cfg = Presets.get("dinov2_vits14_reg4");
        VisionTransformer teacher = new VisionTransformer(cfg, ViTWeights.random(cfg, 0, 1e-5, DataType.FLOAT));
        int grid = size / cfg.patchSize(), mb = microBatch == 0 ? batch : microBatch;
        var o = new Retrofit.Options(
                Alibi2d.paperDefault(),
                FeatureLoss.COSINE,
                1e-4,
                0.05,
                batch,
                1,
                size,
                new int[0],
                0.1,
                0,
                threads,
                false,
                mb,
                Engine.parse(engine),
                recompute);
        distiller = Retrofit.distiller(teacher, Students.of(teacher, Alibi2d.paperDefault()), grid, o);
        images = new io.jvit.core.image.Preprocessor.Pixels(
                Nd4j.rand(DataType.FLOAT, batch, 3, size, size).data().asFloat(), batch, size, size);
        ViTConfig student = cfg.withPe(Alibi2d.paperDefault());
        System.err.printf(
                Locale.ROOT,
                "%n%s %d² × %d: step = %.1f GFLOP (teacher forward %.1f + student 3 × %.1f); "
                        + "fast-engine activations %.0f MiB per %d-image micro-batch%n",
                engine,
                size,
                batch,
                flops(student, batch, grid, grid) / 1e9,
                forwardFlops(cfg, batch, grid, grid) / 1e9,
                forwardFlops(student, batch, grid, grid) / 1e9,
                TrainableViT.tapeBytes(student, mb, grid, grid, recompute) / 1048576.0,
                mb);
    }

    @Benchmark
    public double step() {
        return distiller.step(images);
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(images);
    }

    /**
     * FLOPs (multiply-adds × 2) of one forward pass of {@code batch} images on an h × w grid: every linear layer (qkv 3C²,
     * proj C², MLP 2·C·hidden per token, per block; the patch embedding 3p²·C per patch) and attention's two products
     * (QKᵀ and PV, 2·N²·C each per block, N = prefix + h·w tokens). LayerNorm, GELU, softmax, the ALiBi bias and the loss
     * are left out (a few percent).
     */
    public static double forwardFlops(ViTConfig c, int batch, int gridH, int gridW) {
        int prefix = (c.clsToken() ? 1 : 0) + c.numRegisters(), patches = gridH * gridW;
        double n = prefix + patches, dim = c.embedDim(), hidden = c.mlpHidden(), p = c.patchSize();
        double linear =
                2.0 * n * (3 * dim * dim + dim * dim + 2 * dim * hidden) * c.depth() + 2.0 * patches * 3 * p * p * dim;
        double attention = 4.0 * n * n * dim * c.depth();
        return batch * (linear + attention);
    }

    /**
     * FLOPs of one distillation step: the teacher's forward (no backward) plus the student's forward and backward,
     * counted as 3 × its forward (the backward pass computes two products per forward product: the gradients of the
     * input and of the weights). With recomputation the engine does one more student forward, not counted: the same
     * step, so the same basis.
     */
    public static double flops(ViTConfig student, int batch, int gridH, int gridW) {
        return 4 * forwardFlops(student, batch, gridH, gridW);
    }
}
