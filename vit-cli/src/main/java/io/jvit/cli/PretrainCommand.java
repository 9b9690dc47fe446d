package io.jvit.cli;

import io.jvit.core.Engine;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.train.pretrain.FastSimMim;
import io.jvit.train.samediff.AdamW;
import io.jvit.train.samediff.SimMim;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit pretrain}: trains the small embedded teacher — a DINOv2-architecture ViT (learned absolute
 * PE, CLS + 4 registers, LayerScale) — by masked image modelling on generated microstructures, on a CPU.
 */
@Command(
        name = "pretrain",
        mixinStandardHelpOptions = true,
        description =
                "Self-supervised (masked image modelling) training of a small DINOv2-style teacher on generated microstructures.")
final class PretrainCommand implements Callable<Integer> {
    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "FILE.safetensors")
    Path out;

    @Option(names = "--steps", defaultValue = "400", description = "optimisation steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "images per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--side",
            defaultValue = "64",
            description = "training image side (default ${DEFAULT-VALUE}; the PE table is side/patch square)")
    int side;

    @Option(names = "--patch", defaultValue = "8", description = "patch size (default ${DEFAULT-VALUE})")
    int patch;

    @Option(names = "--width", defaultValue = "96", description = "embedding width (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--depth", defaultValue = "4", description = "blocks (default ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--heads", defaultValue = "3", description = "heads (default ${DEFAULT-VALUE})")
    int heads;

    @Option(
            names = "--mask",
            defaultValue = "0.5",
            description = "masked fraction of patches (default ${DEFAULT-VALUE})")
    double mask;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(
            names = "--pe-init-std",
            defaultValue = "1.0",
            description =
                    "std of the learned PE table at init (default ${DEFAULT-VALUE}: as large as the patch embeddings, where a long SSL run ends up; timm uses 0.02)")
    double peInitStd;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "fast",
            description =
                    "fast (the training engine, data-parallel over --threads) or samediff (the ND4J graph) (default ${DEFAULT-VALUE})")
    String engine;

    @Mixin
    ThreadsOption threadsOption;

    @Override
    public Integer call() throws Exception {
        int threads = threadsOption.configure();
        Engine eng = Flags.parse("--engine", engine, Engine::parse);
        if (steps < 1 || batch < 1) throw new IllegalArgumentException("--steps and --batch must be >= 1");
        if (side % patch != 0)
            throw new IllegalArgumentException("--side " + side + " is not a multiple of --patch " + patch);
        ViTConfig cfg = new ViTConfig(
                patch,
                width,
                depth,
                heads,
                MlpKind.GELU,
                4 * width,
                true,
                true,
                4,
                1e-6,
                true,
                LearnedAbsolute.dinov2(side / patch));
        var w = new java.util.LinkedHashMap<>(
                ViTWeights.random(cfg, seed, 0.1, DataType.FLOAT).asMap());
        w.put(
                LearnedAbsolute.PARAM,
                org.nd4j.linalg.factory.Nd4j.randn(
                                seed + 1, w.get(LearnedAbsolute.PARAM).shape())
                        .castTo(DataType.FLOAT)
                        .muli(peInitStd));
        VisionTransformer m = new VisionTransformer(cfg, new ViTWeights(w));
        SimMim mim =
                eng == Engine.SAMEDIFF ? new SimMim(m, side, mask, new AdamW(lr, 0.9, 0.95, 1e-8, 0.05), seed) : null;
        FastSimMim fast = eng == Engine.FAST
                ? new FastSimMim(m, side, mask, new io.jvit.train.optim.AdamW(lr, 0.9, 0.95, 1e-8, 0.05), seed, threads)
                : null;
        java.util.Random images = new java.util.Random(seed);
        System.err.printf("pretrain: %d steps of %d images at %d², %s engine%n", steps, batch, side, eng.label());
        long t0 = System.nanoTime();
        double avg = Double.NaN;
        for (int s = 1; s <= steps; s++) {
            double l = mim != null ? mim.step(batch) : fast.step(SimMim.microstructures(images, batch, side, patch));
            avg = Double.isNaN(avg) ? l : 0.95 * avg + 0.05 * l;
            if (s % 25 == 0 || s == steps) {
                double el = (System.nanoTime() - t0) / 1e9;
                System.err.printf(
                        Locale.ROOT,
                        "step %d/%d  loss %.4f (avg %.4f)  %.0f s, ETA %.0f s%n",
                        s,
                        steps,
                        l,
                        avg,
                        el,
                        el / s * (steps - s));
            }
        }
        Checkpoints.save(out, mim != null ? mim.backbone() : fast.backbone());
        System.err.printf(
                "wrote %s (%s, %d parameters' tensors)%n",
                out, cfg.pe().name(), ViTWeights.expectedShapes(cfg).size());
        return 0;
    }
}
