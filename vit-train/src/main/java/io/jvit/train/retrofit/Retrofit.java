package io.jvit.train.retrofit;

import io.jvit.core.Engine;
import io.jvit.core.checkpoint.Checkpoints.FloatModel;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.Ramp;
import io.jvit.probe.synthetic.Microstructure;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.samediff.DistillationLoss;
import io.jvit.train.samediff.SameDiffDistiller;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ALiBi retrofit as a training run (digest d): student = teacher with its PE replaced, distilled on a
 * folder of images for some epochs. Every epoch ends with a validation loss on held-out images, an
 * optional positional-bias probe of the student, a row of {@code metrics.csv}, the full training state
 * ({@code last.state.safetensors}, for {@code resume}) and, when validation improved, {@code best.safetensors}
 * (a plain model checkpoint for {@code ./vit features}). Every file is written atomically.
 * The job is written once over {@link Distiller}: {@link Engine#FAST} trains on the engine of {@code io.jvit.train.engine}
 * ({@link FastDistiller}), {@link Engine#SAMEDIFF} on the SameDiff graph ({@link SameDiffDistiller}); both write the
 * same state file, so a run resumes on either engine.
 */
public final class Retrofit {
    private Retrofit() {}

    /**
     * @param probe     probe the student's lr+ud R² on 3 synthetic GRF images after every epoch (the paper's training loop does)
     * @param engine    which implementation trains the student (same loss, AdamW and state files on both)
     * @param recompute recompute each block's activations in the backward pass (fast engine only: memory of one block's
     *                  activations instead of all, about one more forward pass of time)
     */
    public record Options(
            PositionalEncoding pe,
            FeatureLoss loss,
            double lr,
            double weightDecay,
            int batchSize,
            int epochs,
            int imageSize,
            int[] blankChannels,
            double valFraction,
            long seed,
            int threads,
            boolean probe,
            int microBatch,
            Engine engine,
            boolean recompute) {
        public Options {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            if (microBatch < 1) throw new IllegalArgumentException("micro-batch must be >= 1, got " + microBatch);
            if (!(valFraction > 0 && valFraction < 1))
                throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + valFraction);
            if (engine == null) throw new IllegalArgumentException("no engine");
            if (recompute && engine != Engine.FAST)
                throw new IllegalArgumentException(
                        "recompute needs Engine.FAST (the SameDiff graph keeps every activation)");
        }

        /** These options with recomputation {@code on}. */
        public Options withRecompute(boolean on) {
            return new Options(
                    pe,
                    loss,
                    lr,
                    weightDecay,
                    batchSize,
                    epochs,
                    imageSize,
                    blankChannels,
                    valFraction,
                    seed,
                    threads,
                    probe,
                    microBatch,
                    engine,
                    on);
        }
    }

    /** One row of metrics.csv. */
    public record Epoch(int epoch, double trainLoss, double valLoss, double probeR2, double seconds, boolean best) {
        String csv() {
            return String.format(
                    Locale.ROOT,
                    "%d,%.6f,%.6f,%s,%.1f,%b",
                    epoch,
                    trainLoss,
                    valLoss,
                    Double.isNaN(probeR2) ? "" : String.format(Locale.ROOT, "%.4f", probeR2),
                    seconds,
                    best);
        }
    }

    public interface Listener {
        void step(int epoch, int step, int steps, double loss);

        void epoch(Epoch e);
    }

    public static final String STATE = "last.state.safetensors", BEST = "best.safetensors", METRICS = "metrics.csv";
    static final String HEADER = "epoch,train_loss,val_loss,probe_r2_lr_ud,seconds,best";

    /** {@link #run(FloatModel, FloatModel, ImageSet, Options, Path, Path, Listener)} on ND4J models (copied out once). */
    public static List<Epoch> run(
            VisionTransformer teacher,
            VisionTransformer init,
            ImageSet data,
            Options o,
            Path out,
            Path resume,
            Listener listener)
            throws IOException {
        return run(FloatModels.of(teacher), init == null ? null : FloatModels.of(init), data, o, out, resume, listener);
    }

    /** {@link #run(FloatModel, FloatModel, ImageSet, Options, Path, Path, Listener, TeacherTargets)} running the teacher. */
    public static List<Epoch> run(
            FloatModel teacher, FloatModel init, ImageSet data, Options o, Path out, Path resume, Listener listener)
            throws IOException {
        return run(teacher, init, data, o, out, resume, listener, null);
    }

    /**
     * Runs (or, with {@code resume}, continues) a retrofit. {@code init} is the starting student (null: the
     * teacher with its PE swapped for {@code o.pe()}); a multiscale stage passes the previous stage's best. Its arrays
     * become the trained parameters (not copied). On {@link Engine#FAST} the whole job runs on float arrays (images,
     * teacher, student, checkpoints) and never initialises ND4J. With {@code targets} the teacher's tokens are read
     * from files computed ahead ({@link TeacherTargets}) instead of running the teacher on every batch (the fast
     * engine only); the teacher still gives the student's starting weights and configuration.
     */
    public static List<Epoch> run(
            FloatModel teacher,
            FloatModel init,
            ImageSet data,
            Options o,
            Path out,
            Path resume,
            Listener listener,
            TeacherTargets targets)
            throws IOException {
        if (targets != null && o.engine() != Engine.FAST)
            throw new IllegalArgumentException("teacher targets computed ahead need the fast engine (--engine fast)");
        int p = teacher.config().patchSize();
        if (o.imageSize() < p)
            throw new IllegalArgumentException(
                    "image size " + o.imageSize() + " is smaller than one " + p + " px patch");
        FloatModel student = init != null ? init : Students.of(teacher, o.pe());
        int grid = o.imageSize()
                / p; // the remainder is dropped, as the patch convolution does (518 px at p = 16: 32 × 32)
        Distiller d = distiller(teacher, student, grid, o);
        Files.createDirectories(out);
        List<Epoch> rows = new ArrayList<>();
        int start = 0;
        double best = Double.POSITIVE_INFINITY;
        if (resume != null) {
            Map<String, String> meta = d.loadState(resume);
            start = Integer.parseInt(meta.getOrDefault("epoch", "-1")) + 1;
            best = Double.parseDouble(meta.getOrDefault("best_val", "Infinity"));
            rows.addAll(readMetrics(out.resolve(METRICS), start));
        }
        for (int e = start; e < o.epochs(); e++) {
            long t0 = System.nanoTime();
            List<Path> order = data.epochOrder(e, o.seed());
            int steps = (order.size() + o.batchSize() - 1) / o.batchSize();
            double sum = 0;
            int n = 0;
            for (int s = 0; s < steps; s++) {
                ImageSet.Loaded loaded =
                        data.load(order.subList(s * o.batchSize(), Math.min(order.size(), (s + 1) * o.batchSize())));
                Preprocessor.Pixels batch = cropToGrid(loaded.pixels(), grid * p);
                if (batch == null) continue;
                double loss = targets == null
                        ? d.step(batch)
                        : ((FastDistiller) d)
                                .step(
                                        batch,
                                        targets.of(
                                                loaded.files(),
                                                grid,
                                                teacher.config().embedDim()));
                sum += loss;
                n++;
                if (listener != null) listener.step(e, s + 1, steps, loss);
            }
            double val = validate(
                    d, data, o.batchSize(), grid, p, targets, teacher.config().embedDim());
            // checked before anything of this epoch is written: NaN losses must not pass for a result
            if (n == 0 || Double.isNaN(val))
                throw new io.jvit.core.io.BadInputException(
                        data.folder(),
                        "no " + (n == 0 ? "training" : "validation") + " image could be decoded in epoch " + e + " ("
                                + data.skipped() + " unreadable image loads)");
            if (!Double.isFinite(sum / n) || !Double.isFinite(val))
                throw new IllegalArgumentException("the loss is " + (sum / n) + " (validation " + val + ") in epoch "
                        + e + ": training diverged; try a lower --lr");
            double r2 = o.probe() ? probe(d.student(), o, p) : Double.NaN;
            boolean improved = val < best;
            if (improved) best = val;
            Epoch row = new Epoch(e, n == 0 ? Double.NaN : sum / n, val, r2, (System.nanoTime() - t0) / 1e9, improved);
            rows.add(row);
            if (improved) d.saveStudent(out.resolve(BEST));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("epoch", Integer.toString(e));
            meta.put("best_val", Double.toString(best));
            meta.put("teacher_config", io.jvit.core.config.ConfigJson.write(teacher.config()));
            meta.put("engine", o.engine().label()); // informative: either engine resumes the state
            d.saveState(out.resolve(STATE), meta);
            writeMetrics(out.resolve(METRICS), rows);
            if (listener != null) listener.epoch(row);
        }
        return rows;
    }

    /** {@link #distiller(FloatModel, FloatModel, int, Options)} on ND4J models (copied out once). */
    public static Distiller distiller(VisionTransformer teacher, VisionTransformer student, int grid, Options o) {
        return distiller(FloatModels.of(teacher), FloatModels.of(student), grid, o);
    }

    /**
     * The distiller of {@code o.engine()}: AdamW(lr, 0.9, 0.999, 1e-8, weight decay), micro-batches, recomputation. The
     * fast one trains {@code student}'s arrays in place; the SameDiff one gets ND4J copies of both models.
     */
    public static Distiller distiller(FloatModel teacher, FloatModel student, int grid, Options o) {
        return switch (o.engine()) {
            case FAST ->
                new FastDistiller(
                                teacher,
                                student,
                                grid,
                                grid,
                                o.loss(),
                                o.blankChannels(),
                                new io.jvit.train.optim.AdamW(o.lr(), 0.9, 0.999, 1e-8, o.weightDecay()),
                                o.threads())
                        .microBatch(o.microBatch())
                        .recompute(o.recompute());
            case SAMEDIFF ->
                new SameDiffDistiller(
                                FloatModels.toModel(teacher),
                                FloatModels.toModel(student),
                                grid,
                                grid,
                                DistillationLoss.valueOf(o.loss().name()),
                                o.blankChannels(),
                                new io.jvit.train.samediff.AdamW(o.lr(), 0.9, 0.999, 1e-8, o.weightDecay()),
                                o.threads())
                        .microBatch(o.microBatch());
        };
    }

    /** The top-left side × side pixels of a (B, 3, S, S) batch (S ≥ side): what a stride-p patch embedding reads. */
    static Preprocessor.Pixels cropToGrid(Preprocessor.Pixels batch, int side) {
        if (batch == null || (batch.height() == side && batch.width() == side)) return batch;
        int h = batch.height(), w = batch.width();
        float[] out = new float[batch.batch() * 3 * side * side];
        for (int plane = 0; plane < batch.batch() * 3; plane++)
            for (int y = 0; y < side; y++)
                System.arraycopy(batch.data(), (plane * h + y) * w, out, (plane * side + y) * side, side);
        return new Preprocessor.Pixels(out, batch.batch(), side, side);
    }

    static double validate(
            Distiller d, ImageSet data, int batchSize, int grid, int patch, TeacherTargets targets, int dim) {
        List<Path> v = data.validation();
        double sum = 0;
        int n = 0;
        int side = grid * patch;
        for (int i = 0; i < v.size(); i += batchSize) {
            ImageSet.Loaded loaded = data.load(v.subList(i, Math.min(v.size(), i + batchSize)));
            Preprocessor.Pixels b = cropToGrid(loaded.pixels(), side);
            if (b == null) continue;
            double loss =
                    targets == null ? d.loss(b) : ((FastDistiller) d).loss(b, targets.of(loaded.files(), grid, dim));
            sum += loss * b.batch();
            n += b.batch();
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** lr+ud R² of the student on 3 synthetic two-phase images at the training size (paper protocol). */
    static double probe(VisionTransformer student, Options o, int patch) {
        FastViT f = new FastViT(student, o.threads());
        var pre = new Preprocessor(patch, Preprocessor.ResizePolicy.NONE);
        List<FeatureMap> maps = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            maps.add(LayerFeatures.finalFeatures(
                    f.forward(pre.tensor(Microstructure.GRF.generate(o.imageSize(), o.imageSize(), 100 + i))),
                    0,
                    true));
        BiasProbe bp = new BiasProbe(
                Ramp.LR_UD,
                new io.jvit.probe.SampleMask(true, Math.max(1, Math.min(6, o.imageSize() / patch / 3)), 1.0),
                2,
                1.0,
                100001);
        return bp.run(maps).mean();
    }

    static void writeMetrics(Path file, List<Epoch> rows) throws IOException {
        StringBuilder s = new StringBuilder(HEADER).append('\n');
        for (Epoch r : rows) s.append(r.csv()).append('\n');
        byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(b));
    }

    /** The rows of a previous run before epoch {@code upTo} (a resumed run appends to them). */
    static List<Epoch> readMetrics(Path file, int upTo) throws IOException {
        List<Epoch> rows = new ArrayList<>();
        if (!Files.exists(file)) return rows;
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("epoch") || line.isBlank()) continue;
            String[] f = line.split(",", -1);
            int e = Integer.parseInt(f[0]);
            if (e < upTo)
                rows.add(new Epoch(
                        e,
                        Double.parseDouble(f[1]),
                        Double.parseDouble(f[2]),
                        f[3].isEmpty() ? Double.NaN : Double.parseDouble(f[3]),
                        Double.parseDouble(f[4]),
                        Boolean.parseBoolean(f[5])));
        }
        return rows;
    }
}
