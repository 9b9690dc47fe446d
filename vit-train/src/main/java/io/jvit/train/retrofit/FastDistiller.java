package io.jvit.train.retrofit;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.checkpoint.Safetensors;
import io.jvit.core.config.ConfigJson;
import io.jvit.core.fast.FastViT;
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

    private final VisionTransformer teacher;
    private final FastViT teacherEngine;
    private final io.jvit.core.config.ViTConfig studentConfig;
    private final Params params;
    private final int gridH, gridW, threads;
    private final FeatureLoss loss;
    private final int[] blankChannels;
    private final AdamW optimizer;
    private TrainableViT model;
    private GradientStep gradients;
    private Params grads;

    public FastDistiller(
            VisionTransformer teacher,
            VisionTransformer student,
            int gridH,
            int gridW,
            FeatureLoss loss,
            int[] blankChannels,
            AdamW optimizer,
            int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (gridH < 1 || gridW < 1)
            throw new IllegalArgumentException("grid must be positive, got " + gridH + "×" + gridW);
        if (student.dataType() != DataType.FLOAT) throw new IllegalArgumentException("students train in float32");
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
        this.teacher = teacher;
        this.teacherEngine = new FastViT(teacher, threads);
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

    public VisionTransformer teacher() {
        return teacher;
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

    /** The student as a model with a copy of the current weights (for probes, validation on other engines, checkpoints). */
    @Override
    public VisionTransformer student() {
        return new VisionTransformer(studentConfig, params.toWeights());
    }

    /** The teacher's final patch features (B, h, w, C) with the blanked channels set to 0, row-major. */
    public float[] targets(INDArray images) {
        return blanked(
                teacherEngine.forward(images).patchTokens().dup('c').data().asFloat());
    }

    /** Teacher tokens (B, h, w, C) with the blanked channels set to 0 (in place). */
    private float[] blanked(float[] t) {
        int dim = teacher.config().embedDim();
        for (int i = 0; i < t.length / dim; i++) for (int c : blankChannels) t[i * dim + c] = 0;
        return t;
    }

    /** One AdamW step on a batch (B, 3, H, W); returns the loss before the update. */
    @Override
    public double step(INDArray images) {
        return step(images, targets(images));
    }

    /**
     * One AdamW step on a batch whose teacher tokens (B, h, w, C, row-major, before blanking) were computed ahead
     * ({@link TeacherTargets}): the teacher does not run. Returns the loss before the update.
     */
    public double step(INDArray images, float[] teacherTokens) {
        int[] s = check(images);
        float[] targets = teacherTokens == null ? targets(images) : blanked(teacherTokens.clone());
        if (grads == null) grads = Params.zerosLike(params);
        double l = gradients.run(pixels(images), s[0], s[1], s[2], new DistillationObjective(loss, targets), grads);
        optimizer.update(params, grads);
        return l;
    }

    /** One step on images given one by one, each (3, H, W) or (1, 3, H, W); all must have the same size. */
    public double step(List<INDArray> images) {
        return step(stack(images));
    }

    /** The loss on a batch, no update. */
    @Override
    public double loss(INDArray images) {
        return loss(images, null);
    }

    /** The loss on a batch against teacher tokens computed ahead (null: run the teacher), no update. */
    public double loss(INDArray images, float[] teacherTokens) {
        int[] s = check(images);
        float[] targets = teacherTokens == null ? targets(images) : blanked(teacherTokens.clone());
        Tape t = model.forward(pixels(images), s[0], s[1], s[2], threads);
        float[] scratch = new float[t.normed().length];
        return new DistillationObjective(loss, targets).lossAndGradient(t, 0, s[0], scratch);
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

    /** (B, H, W) of a batch, checked against this distiller's grid. */
    private int[] check(INDArray images) {
        long[] s = images.shape();
        int p = studentConfig.patchSize();
        if (s.length != 4 || s[1] != 3)
            throw new IllegalArgumentException("images must be (B, 3, H, W), got " + Arrays.toString(s));
        if (s[2] != (long) gridH * p || s[3] != (long) gridW * p)
            throw new IllegalArgumentException("images are " + s[2] + "×" + s[3] + " px; this distiller trains on a "
                    + gridH + "×" + gridW + " grid of " + p + " px patches (" + gridH * p + "×" + gridW * p + " px)");
        return new int[] {(int) s[0], (int) s[2], (int) s[3]};
    }

    private static float[] pixels(INDArray images) {
        return images.castTo(DataType.FLOAT).dup('c').data().asFloat();
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
            float[] x = pixels(images.get(i));
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
        Map<String, INDArray> t = new LinkedHashMap<>();
        params.toArrays().forEach((k, v) -> t.put(P + k, v));
        if (optimizer.m() != null) {
            optimizer.m().toArrays().forEach((k, v) -> t.put(M + k, v));
            optimizer.v().toArrays().forEach((k, v) -> t.put(V + k, v));
        }
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put(Checkpoints.CONFIG_KEY, ConfigJson.write(studentConfig));
        meta.put("adamw.step", Long.toString(optimizer.step()));
        meta.put("format", FORMAT);
        Safetensors.write(file, t, meta);
    }

    /** Restores a state saved by this class or by the SameDiffDistiller (same student configuration); returns its metadata. */
    @Override
    public Map<String, String> loadState(Path file) {
        Safetensors.Contents c = Safetensors.read(file);
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
                INDArray mk = c.tensors().get(M + k), vk = c.tensors().get(V + k);
                if (mk == null || vk == null) throw new IllegalArgumentException(file + ": no AdamW moments for " + k);
                m.assign(k, mk);
                v.assign(k, vk);
            }
        }
        optimizer.restore(m, v, Long.parseLong(c.metadata().getOrDefault("adamw.step", "0")));
        return c.metadata();
    }
}
