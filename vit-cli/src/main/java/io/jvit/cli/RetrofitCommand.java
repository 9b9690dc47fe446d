package io.jvit.cli;

import io.jvit.core.Engine;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.Pe;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.probe.retrofit.Retention;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.retrofit.FloatModels;
import io.jvit.train.retrofit.ImageSet;
import io.jvit.train.retrofit.MemoryPlan;
import io.jvit.train.retrofit.Retrofit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit retrofit}: the paper's ALiBi retrofit of a checkpoint by feature distillation on a folder
 * of images (see {@link Retrofit}); optionally measures semantic retention afterwards.
 */
@Command(
        name = "retrofit",
        mixinStandardHelpOptions = true,
        description = "Replace a ViT's positional encoding by 2D ALiBi and distil the student into the frozen teacher.")
final class RetrofitCommand implements Callable<Integer> {

    @Option(
            names = "--teacher",
            required = true,
            paramLabel = "FILE",
            description = "teacher checkpoint (.pth or .safetensors)")
    Path teacher;

    @Option(
            names = "--teacher-pe",
            paramLabel = "KIND",
            description = "the teacher's positional encoding (default: the checkpoint's)")
    String teacherPe;

    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "training images (a held-out part is used for validation)")
    Path images;

    @Option(
            names = "--targets",
            paramLabel = "DIR",
            description =
                    "the teacher's patch tokens computed ahead, <stem>.npy per image (./vit spark targets at the same --size): read instead of running the teacher (fast engine)")
    Path targets;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "DIR",
            description = "best.safetensors, last.state.safetensors, metrics.csv")
    Path out;

    @Option(
            names = "--pe",
            defaultValue = "alibi",
            description = "student PE: alibi, none or sincos (default ${DEFAULT-VALUE})")
    String pe;

    @Option(
            names = "--slopes",
            defaultValue = "constant",
            description = "ALiBi slopes: constant (paper, m = 1), fixed or learned (default ${DEFAULT-VALUE})")
    String slopes;

    @Option(names = "--loss", defaultValue = "cosine", description = "cosine (paper) or mse (default ${DEFAULT-VALUE})")
    String loss;

    @Option(names = "--lr", defaultValue = "1e-4", description = "AdamW learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.05",
            description = "AdamW weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--batch", defaultValue = "8", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--micro-batch",
            defaultValue = "2",
            description =
                    "images per forward/backward; gradients are accumulated to --batch (same step, less memory; default ${DEFAULT-VALUE})")
    int microBatch;

    @Option(names = "--epochs", defaultValue = "1", description = "epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(
            names = "--size",
            defaultValue = "224",
            description =
                    "training image size; pixels past the last whole patch are dropped (default ${DEFAULT-VALUE}; a multiscale stage: 518 with --init, 37² patches at p = 14, 32² at p = 16)")
    int size;

    @Option(
            names = "--blank-channels",
            split = ",",
            paramLabel = "C",
            description = "teacher channels set to 0 in the target, e.g. 47,113,117,359")
    int[] blank = new int[0];

    @Option(
            names = "--val",
            defaultValue = "0.1",
            description = "held-out validation fraction (default ${DEFAULT-VALUE})")
    double val;

    @Option(
            names = "--init",
            paramLabel = "FILE",
            description = "start from this student (e.g. the first stage's best.safetensors)")
    Path init;

    @Option(names = "--resume", description = "continue from OUT/last.state.safetensors")
    boolean resume;

    @Option(
            names = "--probe",
            description = "probe the student's positional bias (lr+ud R² on synthetic images) after every epoch")
    boolean probe;

    @Option(
            names = "--retention",
            description =
                    "afterwards, measure semantic retention (patch cosine, k-NN accuracy) on synthetic microstructures")
    boolean retention;

    @Option(names = "--seed", defaultValue = "0", description = "data order and split seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "fast",
            description =
                    "fast (the training engine: hand-written backward pass, data-parallel over --threads) or samediff (the ND4J graph); "
                            + "same loss, AdamW and state files, so either resumes the other's run (default ${DEFAULT-VALUE})")
    String engine;

    @Option(
            names = "--recompute",
            description =
                    "fast engine: recompute each block's activations in the backward pass (keeps one block's activations instead of all; ~1/3 more time)")
    boolean recompute;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    NonFiniteOption nonFinite;

    private int threads; // set from threadsOption when the command runs

    @Override
    public Integer call() throws Exception {
        // the fast engine never initialises ND4J (whose threads configure() sets): float arrays end to end
        threads = Flags.parse("--engine", engine, Engine::parse) == Engine.FAST
                ? threadsOption.count()
                : threadsOption.configure();
        PositionalEncoding studentPe = switch (pe.toLowerCase(Locale.ROOT)) {
            case "alibi" ->
                new Alibi2d(
                        AlibiDistance.Metric.EUCLIDEAN,
                        true,
                        true,
                        switch (slopes.toLowerCase(Locale.ROOT)) {
                            case "constant" -> AlibiSlopes.CONSTANT;
                            case "fixed" -> AlibiSlopes.FIXED;
                            case "learned" -> AlibiSlopes.LEARNED;
                            default ->
                                throw new IllegalArgumentException(
                                        "--slopes must be constant, fixed or learned, got '" + slopes + "'");
                        });
            case "none", "nope" -> PositionalEncoding.parse("none", 0);
            case "sincos" -> PositionalEncoding.parse("sincos", 0);
            default -> throw new IllegalArgumentException("--pe must be alibi, none or sincos, got '" + pe + "'");
        };
        FeatureLoss lossKind = Flags.parse("--loss", loss, FeatureLoss::parse);
        Engine eng = Flags.parse("--engine", engine, Engine::parse);
        if (recompute && eng != Engine.FAST)
            throw new IllegalArgumentException(
                    "--recompute needs --engine fast (the SameDiff graph keeps every activation)");
        Path state = out.resolve(Retrofit.STATE);
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new io.jvit.core.io.BadInputException(out, "exists and is not a folder");
        if (resume && !Files.exists(state)) throw new io.jvit.core.io.BadInputException(state, "nothing to resume");
        Checkpoints.FloatModel t = FloatModels.load(teacher, Pe.parse(teacherPe), nonFinite.allow);
        Checkpoints.FloatModel start = init == null ? null : FloatModels.load(init, Pe.AS_TRAINED, nonFinite.allow);
        ImageSet data = new ImageSet(images, size, val, seed);
        var opts = new Retrofit.Options(
                studentPe,
                lossKind,
                lr,
                weightDecay,
                batch,
                epochs,
                size,
                blank,
                val,
                seed,
                threads,
                probe,
                microBatch,
                eng,
                recompute);
        System.err.printf(
                "retrofit: %d training + %d validation images at %d², student PE %s, %s loss, lr %.2g, batch %d, %d epochs, %s engine%s%n",
                data.train().size(),
                data.validation().size(),
                size,
                studentPe.name(),
                lossKind.name().toLowerCase(Locale.ROOT),
                lr,
                batch,
                epochs,
                eng.label(),
                recompute ? " (recompute)" : "");
        if (eng == Engine.FAST && size >= t.config().patchSize()) { // recomputation where only that fits the heap
            var cfg = (start != null ? start : t).config().withPe(studentPe);
            MemoryPlan plan =
                    MemoryPlan.of(t.config(), cfg, opts, Runtime.getRuntime().maxMemory());
            opts = plan.options();
            if (plan.note() != null) System.err.println("retrofit: " + plan.note());
            System.err.println("retrofit: " + plan.describe());
        }
        int stepsPerEpoch = (data.train().size() + batch - 1) / batch;
        List<Retrofit.Epoch> rows;
        var teacherTargets = targets == null ? null : new io.jvit.train.retrofit.TeacherTargets(targets);
        try (ProgressBar bar = Progress.bar("distilling", (long) stepsPerEpoch * epochs)) {
            rows = Retrofit.run(
                    t,
                    start,
                    data,
                    opts,
                    out,
                    resume ? state : null,
                    new Retrofit.Listener() {
                        @Override
                        public void step(int epoch, int step, int steps, double l) {
                            bar.stepTo((long) epoch * steps + step);
                            bar.setExtraMessage(String.format(Locale.ROOT, "epoch %d loss %.4f", epoch, l));
                        }

                        @Override
                        public void epoch(Retrofit.Epoch e) {
                            bar.setExtraMessage(String.format(
                                    Locale.ROOT,
                                    "epoch %d val %.4f%s",
                                    e.epoch(),
                                    e.valLoss(),
                                    e.best() ? " (best)" : ""));
                        }
                    },
                    teacherTargets);
        }
        System.out.printf("%-6s %-11s %-11s %-9s %s%n", "epoch", "train loss", "val loss", "probe R²", "seconds");
        for (Retrofit.Epoch e : rows)
            System.out.printf(
                    Locale.ROOT,
                    "%-6d %-11.5f %-11.5f %-9s %.1f%s%n",
                    e.epoch(),
                    e.trainLoss(),
                    e.valLoss(),
                    Double.isNaN(e.probeR2()) ? "-" : String.format(Locale.ROOT, "%.3f", e.probeR2()),
                    e.seconds(),
                    e.best() ? "  best" : "");
        if (data.skipped() > 0) System.out.printf("skipped %d unreadable image loads%n", data.skipped());
        if (Files.exists(out.resolve(Retrofit.BEST))) System.out.println("student: " + out.resolve(Retrofit.BEST));
        if (retention) {
            Checkpoints.FloatModel best = FloatModels.load(out.resolve(Retrofit.BEST), Pe.AS_TRAINED, false);
            Retention.Result r = Retention.measure(
                    new FastViT(t.config(), t.weights(), threads),
                    new FastViT(best.config(), best.weights(), threads),
                    size,
                    6,
                    4,
                    5);
            String json = String.format(
                    Locale.ROOT,
                    "{\"patch_cosine\": %.4f, \"teacher_knn\": %.4f, \"student_knn\": %.4f, \"retention\": %.4f}%n",
                    r.meanPatchCosine(),
                    r.teacherAccuracy(),
                    r.studentAccuracy(),
                    r.retention());
            io.jvit.core.io.AtomicFiles.write(
                    out.resolve("retention.json"), s -> s.write(json.getBytes(StandardCharsets.UTF_8)));
            System.out.print("retention: " + json);
        }
        return 0;
    }
}
