package io.jvit.train.retrofit;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.checkpoint.Checkpoints.FloatModel;
import io.jvit.core.checkpoint.Safetensors;
import io.jvit.core.config.ConfigJson;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.model.VisionTransformer;
import io.jvit.train.engine.DistillationObjective;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.engine.GradientStep;
import io.jvit.train.engine.Params;
import io.jvit.train.engine.Tape;
import io.jvit.train.engine.TrainableViT;
import io.jvit.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feature distillation on the training engine, the drop-in for {@code io.jvit.train.samediff.SameDiffDistiller}: the frozen
 * teacher ({@link FastViT}) gives each batch's target patch features with the named channels blanked; the student
 * ({@link TrainableViT}) gives the loss and its gradients through the hand-written backward pass, data-parallel over
 * {@code threads} and accumulated over micro-batches ({@link GradientStep}); {@link AdamW} updates the student in place.
 * Same loss, blank channels, AdamW and training-state file as the SameDiff distiller, so a run started on one engine
 * resumes on the other. One distiller trains at one image size (h × w patches).
 */
public final class FastDistiller implements Distiller {
    static final String P = "student/", M = "adamw.m/", V = "adamw.v/", FORMAT = "jvit-retrofit-state";

    private final ViTConfig teacherConfig;
    private final FastViT teacherEngine;
    private final ViTConfig studentConfig;
    private final Params params;
    private final int gridH, gridW, threads;
    private final FeatureLoss loss;
    private final int[] blankChannels;
    private final AdamW optimizer;
    private TrainableViT model;
    private GradientStep gradients;
    private Params grads;
    private TrainableViT lossModel; // for loss-only passes: keeps one block's activations
    private Tape validationTape; // the loss-only passes' activations, reused

    /** The distiller on ND4J models (their weights copied out as float arrays once). */
    public FastDistiller(
            VisionTransformer teacher,
            VisionTransformer student,
            int gridH,
            int gridW,
            FeatureLoss loss,
            int[] blankChannels,
            AdamW optimizer,
            int threads) {
        this(floats(teacher), floats(student), gridH, gridW, loss, blankChannels, optimizer, threads);
    }

    private static FloatModel floats(VisionTransformer m) {
        if (m.dataType() != DataType.FLOAT)
            throw new IllegalArgumentException("students train in float32 (and the teacher runs in it)");
        return FloatModels.of(m);
    }

    /**
     * The distiller on models held as float arrays: the teacher runs on {@link FastViT} from its arrays, the student's
     * arrays become the trained parameters (taken, not copied). Nothing here initialises ND4J.
     */
    public FastDistiller(
            FloatModel teacher,
            FloatModel student,
            int gridH,
            int gridW,
            FeatureLoss loss,
            int[] blankChannels,
            AdamW optimizer,
            int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (gridH < 1 || gridW < 1)
            throw new IllegalArgumentException("grid must be positive, got " + gridH + "×" + gridW);
        if (teacher.config().embedDim() != student.config().embedDim())
            throw new IllegalArgumentException(
                    "teacher width " + teacher.config().embedDim() + " ≠ student width "
                            + student.config().embedDim());
        if (teacher.config().patchSize() != student.config().patchSize())
            throw new IllegalArgumentException(
                    "teacher patch " + teacher.config().patchSize() + " ≠ student patch "
                            + student.config().patchSize());
        for (int c : blankChannels)
            if (c < 0 || c >= teacher.config().embedDim())
                throw new IllegalArgumentException("blank channel " + c + " is outside 0…"
                        + (teacher.config().embedDim() - 1));
        this.teacherConfig = teacher.config();
        this.teacherEngine = new FastViT(teacher.config(), teacher.weights(), threads);
        this.studentConfig = student.config();
        this.params = Params.of(student.config(), student.weights());
        this.gridH = gridH;
        this.gridW = gridW;
        this.threads = threads;
        this.loss = loss;
        this.blankChannels = blankChannels.clone();
        this.optimizer = optimizer;
        this.model = new TrainableViT(studentConfig, params, false);
        this.gradients = new GradientStep(model, threads, Integer.MAX_VALUE);
    }

    /** Micro-batches of at most n images, their gradients accumulated before the one update (same step, less memory). */
    public FastDistiller microBatch(int n) {
        gradients = new GradientStep(model, threads, n);
        return this;
    }

    /** Recompute each block's activations in the backward pass (activation memory of one block instead of all). */
    public FastDistiller recompute(boolean on) {
        model = new TrainableViT(studentConfig, params, on);
        gradients = new GradientStep(model, threads, gradients.microBatch());
        return this;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public int gridH() {
        return gridH;
    }

    public int gridW() {
        return gridW;
    }

    /** The student's parameters, the live arrays the optimiser updates. */
    public Params parameters() {
        return params;
    }

    /** The student as a model with a copy of the current weights (for probes, validation on other engines). */
    @Override
    public VisionTransformer student() {
        return new VisionTransformer(studentConfig, params.toWeights());
    }

    /** The student's current weights as a checkpoint (the live arrays written as they are; no ND4J). */
    @Override
    public void saveStudent(Path file) throws IOException {
        Checkpoints.saveFloats(file, new FloatModel(studentConfig, params.arrays()));
    }

    /** The teacher's final patch features (B, h, w, C) with the blanked channels set to 0, row-major. */
    public float[] targets(Preprocessor.Pixels images) {
        return blanked(teacherEngine
                .run(images.data(), images.batch(), images.height(), images.width(), false)
                .patchTokens());
    }

    /** Teacher tokens (B, h, w, C) with the blanked channels set to 0 (in place). */
    private float[] blanked(float[] t) {
        int dim = teacherConfig.embedDim();
        for (int i = 0; i < t.length / dim; i++) for (int c : blankChannels) t[i * dim + c] = 0;
        return t;
    }

    /** {@link #targets(Preprocessor.Pixels)} of a (B, 3, H, W) INDArray. */
    public float[] targets(INDArray images) {
        return targets(pixels(images));
    }

    /** One AdamW step on a batch (B, 3, H, W); returns the loss before the update. */
    @Override
    public double step(Preprocessor.Pixels images) {
        return step(images, null);
    }

    /**
     * One AdamW step on a batch whose teacher tokens (B, h, w, C, row-major, before blanking) were computed ahead
     * ({@link TeacherTargets}; null: run the teacher). Returns the loss before the update.
     */
    public double step(Preprocessor.Pixels images, float[] teacherTokens) {
        check(images);
        float[] targets = teacherTokens == null ? targets(images) : blanked(teacherTokens.clone());
        if (grads == null) grads = Params.zerosLike(params);
        double l = gradients.run(
                images.data(),
                images.batch(),
                images.height(),
                images.width(),
                new DistillationObjective(loss, targets),
                grads);
        optimizer.update(params, grads);
        return l;
    }

    /** {@link #step(Preprocessor.Pixels)} of a (B, 3, H, W) INDArray. */
    public double step(INDArray images) {
        return step(pixels(images));
    }

    /** One step on images given one by one, each (3, H, W) or (1, 3, H, W); all must have the same size. */
    public double step(List<INDArray> images) {
        return step(stack(images));
    }

    /** The loss on a batch, no update (its activations kept for the next loss-only pass of the same size). */
    @Override
    public double loss(Preprocessor.Pixels images) {
        return loss(images, null);
    }

    /** The loss on a batch against teacher tokens computed ahead (null: run the teacher), no update. */
    public double loss(Preprocessor.Pixels images, float[] teacherTokens) {
        check(images);
        float[] targets = teacherTokens == null ? targets(images) : blanked(teacherTokens.clone());
        // forward only: the recompute model's tape (the residual stream and one block), the same arithmetic
        if (lossModel == null) lossModel = new TrainableViT(studentConfig, params, true);
        Tape t = validationTape = lossModel.forward(
                images.data(), images.batch(), images.height(), images.width(), threads, validationTape);
        float[] scratch = new float[t.normed().length];
        return new DistillationObjective(loss, targets).lossAndGradient(t, 0, images.batch(), scratch);
    }

    /** {@link #loss(Preprocessor.Pixels)} of a (B, 3, H, W) INDArray. */
    public double loss(INDArray images) {
        return loss(pixels(images));
    }

    /**
     * One epoch over in-memory images (each (3, H, W) or (1, 3, H, W)) in a seeded order (shuffled with
     * {@code new Random(seed·31 + epoch)}, as {@code ImageSet.epochOrder}); the last batch may be smaller.
     * @return the mean of the steps' losses
     */
    public double epoch(List<INDArray> data, int batchSize, int epoch, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (batchSize > data.size())
            throw new IllegalArgumentException(
                    "a batch of " + batchSize + " images is larger than the data (" + data.size() + " images)");
        List<INDArray> order = new ArrayList<>(data);
        Collections.shuffle(order, new Random(seed * 31 + epoch));
        double sum = 0;
        int steps = 0;
        for (int i = 0; i < order.size(); i += batchSize, steps++)
            sum += step(order.subList(i, Math.min(order.size(), i + batchSize)));
        return sum / steps;
    }

    /** Checks a batch against this distiller's grid. */
    private void check(Preprocessor.Pixels images) {
        int p = studentConfig.patchSize();
        if (images.height() != gridH * p || images.width() != gridW * p)
            throw new IllegalArgumentException("images are " + images.height() + "×" + images.width()
                    + " px; this distiller trains on a " + gridH + "×" + gridW + " grid of " + p + " px patches ("
                    + gridH * p + "×" + gridW * p + " px)");
    }

    /** A (B, 3, H, W) INDArray as pixels. */
    private static Preprocessor.Pixels pixels(INDArray images) {
        long[] s = images.shape();
        if (s.length != 4 || s[1] != 3)
            throw new IllegalArgumentException("images must be (B, 3, H, W), got " + Arrays.toString(s));
        return new Preprocessor.Pixels(
                images.castTo(DataType.FLOAT).dup('c').data().asFloat(), (int) s[0], (int) s[2], (int) s[3]);
    }

    /** Images one by one → (B, 3, H, W); refuses images of different sizes. */
    static INDArray stack(List<INDArray> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("a batch needs at least one image");
        long[] first = chw(images.get(0), 0);
        float[] all = new float[(int) (images.size() * first[0] * first[1] * first[2])];
        int o = 0;
        for (int i = 0; i < images.size(); i++) {
            long[] s = chw(images.get(i), i);
            if (!Arrays.equals(s, first))
                throw new IllegalArgumentException("images of different sizes in one batch: image 0 is " + first[0]
                        + "×" + first[1] + "×" + first[2] + ", image " + i + " is " + s[0] + "×" + s[1] + "×" + s[2]);
            float[] x = images.get(i).castTo(DataType.FLOAT).dup('c').data().asFloat();
            System.arraycopy(x, 0, all, o, x.length);
            o += x.length;
        }
        return Nd4j.create(all, new long[] {images.size(), first[0], first[1], first[2]});
    }

    private static long[] chw(INDArray a, int i) {
        long[] s = a.shape();
        if (s.length == 4 && s[0] == 1) s = new long[] {s[1], s[2], s[3]};
        if (s.length != 3 || s[0] != 3)
            throw new IllegalArgumentException("image " + i + " must be (3, H, W), got " + Arrays.toString(a.shape()));
        return s;
    }

    // ---- training state: the SameDiffDistiller's file (student weights + AdamW moments + step), saved atomically

    /** Saves everything a resumed run needs; {@code extra} (epoch, best validation loss, …) goes into the metadata. */
    @Override
    public void saveState(Path file, Map<String, String> extra) throws IOException {
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        put(t, shapes, P, params);
        if (optimizer.m() != null) {
            put(t, shapes, M, optimizer.m());
            put(t, shapes, V, optimizer.v());
        }
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put(Checkpoints.CONFIG_KEY, ConfigJson.write(studentConfig));
        meta.put("adamw.step", Long.toString(optimizer.step()));
        meta.put("format", FORMAT);
        Safetensors.writeFloats(file, t, shapes, meta);
    }

    private static void put(Map<String, float[]> t, Map<String, long[]> shapes, String prefix, Params p) {
        for (var e : p.arrays().entrySet()) {
            t.put(prefix + e.getKey(), e.getValue());
            shapes.put(prefix + e.getKey(), p.shape(e.getKey()));
        }
    }

    /** Restores a state saved by this class or by the SameDiffDistiller (same student configuration); returns its metadata. */
    @Override
    public Map<String, String> loadState(Path file) {
        Safetensors.FloatContents c = Safetensors.readFloats(file);
        if (!FORMAT.equals(c.metadata().get("format")))
            throw new IllegalArgumentException(
                    file + ": not a retrofit state (use a last.state.safetensors written by ./vit retrofit)");
        String cfg = c.metadata().get(Checkpoints.CONFIG_KEY), mine = ConfigJson.write(studentConfig);
        if (!mine.equals(cfg))
            throw new IllegalArgumentException(file + ": the state is for another student configuration\n  state: "
                    + cfg + "\n  this run: " + mine);
        for (String k : params.names())
            if (!c.tensors().containsKey(P + k)) throw new IllegalArgumentException(file + ": no tensor " + P + k);
        for (String k : params.names()) params.assign(k, c.tensors().get(P + k));
        boolean moments = c.tensors().keySet().stream().anyMatch(k -> k.startsWith(M));
        Params m = null, v = null;
        if (moments) {
            m = Params.zerosLike(params);
            v = Params.zerosLike(params);
            for (String k : params.names()) {
                float[] mk = c.tensors().get(M + k), vk = c.tensors().get(V + k);
                if (mk == null || vk == null) throw new IllegalArgumentException(file + ": no AdamW moments for " + k);
                m.assign(k, mk);
                v.assign(k, vk);
            }
        }
        optimizer.restore(m, v, Long.parseLong(c.metadata().getOrDefault("adamw.step", "0")));
        return c.metadata();
    }
}
