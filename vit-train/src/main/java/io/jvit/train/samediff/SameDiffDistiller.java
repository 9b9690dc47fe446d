package io.jvit.train.samediff;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.checkpoint.Safetensors;
import io.jvit.core.config.ConfigJson;
import io.jvit.core.fast.FastViT;
import io.jvit.core.model.ViTGraph;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.train.retrofit.Distiller;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Feature distillation of a student into its frozen teacher (digest d.1): the teacher (fast engine)
 * gives the target patch features of each batch, optionally with named channels blanked; the student's
 * SameDiff training graph gives the loss and its gradients; AdamW updates every student parameter in place.
 * One training graph per distiller (one image size); a larger "multiscale" stage is a second distiller
 * started from this one's student.
 */
public final class SameDiffDistiller implements Distiller {
    private final VisionTransformer teacher;
    private final FastViT teacherEngine;
    private final ViTGraph graph;
    private final DistillationLoss lossKind;
    private final int[] blankChannels;
    private final AdamW optimizer;
    private final List<String> trainable = new ArrayList<>();
    private final VisionTransformer student;

    public SameDiffDistiller(
            VisionTransformer teacher,
            VisionTransformer student,
            int gridH,
            int gridW,
            DistillationLoss loss,
            int[] blankChannels,
            AdamW optimizer,
            int threads) {
        if (student.dataType() != DataType.FLOAT) throw new IllegalArgumentException("students train in float32");
        if (teacher.config().embedDim() != student.config().embedDim())
            throw new IllegalArgumentException(
                    "teacher width " + teacher.config().embedDim() + " ≠ student width "
                            + student.config().embedDim());
        for (int c : blankChannels)
            if (c < 0 || c >= teacher.config().embedDim())
                throw new IllegalArgumentException("blank channel " + c + " is outside 0…"
                        + (teacher.config().embedDim() - 1));
        this.teacher = teacher;
        this.student = student;
        this.teacherEngine = new FastViT(teacher, threads);
        this.graph = student.trainingGraph(gridH, gridW, Set.of());
        this.lossKind = loss;
        this.blankChannels = blankChannels.clone();
        this.optimizer = optimizer;
        loss.addTo(graph, DataType.FLOAT);
        trainable.addAll(GraphTraining.trainable(graph.sameDiff()));
    }

    public VisionTransformer teacher() {
        return teacher;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** The teacher's final patch features (B, h, w, C) with the blanked channels set to 0. */
    public INDArray targets(INDArray images) {
        INDArray t = teacherEngine.forward(images).patchTokens();
        for (int c : blankChannels)
            t.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(c))
                    .assign(0);
        return t;
    }

    private int microBatch = Integer.MAX_VALUE;

    /**
     * Splits every batch into micro-batches of at most {@code n} images whose gradients are accumulated
     * before the one AdamW update: the same step (the loss is a mean over images), with the activation
     * memory of {@code n} images instead of the whole batch.
     */
    public SameDiffDistiller microBatch(int n) {
        if (n < 1) throw new IllegalArgumentException("micro-batch must be >= 1, got " + n);
        this.microBatch = n;
        return this;
    }

    @Override
    public double step(io.jvit.core.image.Preprocessor.Pixels images) {
        return step(array(images));
    }

    @Override
    public double loss(io.jvit.core.image.Preprocessor.Pixels images) {
        return loss(array(images));
    }

    private static INDArray array(io.jvit.core.image.Preprocessor.Pixels p) {
        return org.nd4j.linalg.factory.Nd4j.create(p.data(), new long[] {p.batch(), 3, p.height(), p.width()}, 'c');
    }

    @Override
    public void saveStudent(Path file) throws IOException {
        Checkpoints.save(file, student());
    }

    /** One AdamW step on a batch (B, 3, H, W); returns the loss before the update. */
    public double step(INDArray images) {
        SameDiff sd = graph.sameDiff();
        long b = images.size(0);
        Map<String, INDArray> grads = null;
        double loss = 0;
        for (long i = 0; i < b; i += microBatch) {
            long j = Math.min(b, i + microBatch);
            INDArray chunk = b <= microBatch
                    ? images
                    : images.get(NDArrayIndex.interval(i, j)).dup();
            Map<String, INDArray> ph = Map.of(ViTGraph.IMAGES, chunk, DistillationLoss.TARGET, targets(chunk));
            var og = GraphTraining.lossAndGradients(sd, ph, DistillationLoss.LOSS, trainable);
            double w = (double) (j - i) / b; // the loss is a mean over images
            loss += w * og.getOutputs().get(DistillationLoss.LOSS).getDouble(0);
            if (grads == null) {
                grads = new LinkedHashMap<>();
                for (var e : og.getGradients().entrySet())
                    grads.put(
                            e.getKey(),
                            b <= microBatch ? e.getValue() : e.getValue().mul(w));
            } else
                for (var e : og.getGradients().entrySet())
                    grads.get(e.getKey()).addi(e.getValue().mul(w));
        }
        optimizer.update(parameters(), grads);
        return loss;
    }

    /** The loss on a batch, no update. */
    public double loss(INDArray images) {
        Map<String, INDArray> ph = Map.of(ViTGraph.IMAGES, images, DistillationLoss.TARGET, targets(images));
        return graph.sameDiff()
                .output(ph, DistillationLoss.LOSS)
                .get(DistillationLoss.LOSS)
                .getDouble(0);
    }

    /** The student's parameters as the graph holds them (updated in place by the optimiser). */
    public Map<String, INDArray> parameters() {
        return GraphTraining.parameters(graph.sameDiff(), trainable);
    }

    /** The student as a model with the current weights (shared arrays). */
    @Override
    public VisionTransformer student() {
        return new VisionTransformer(student.config(), new ViTWeights(parameters()));
    }

    // ---- training state: student weights + AdamW moments + counters, one safetensors file, written atomically ----

    static final String P = "student/", M = "adamw.m/", V = "adamw.v/";

    /** Saves everything a resumed run needs; {@code extra} (epoch, best validation loss, …) goes into the metadata. */
    @Override
    public void saveState(Path file, Map<String, String> extra) throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>();
        parameters().forEach((k, v) -> t.put(P + k, v));
        optimizer.m.forEach((k, v) -> t.put(M + k, v));
        optimizer.v.forEach((k, v) -> t.put(V + k, v));
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put(Checkpoints.CONFIG_KEY, ConfigJson.write(student.config()));
        meta.put("adamw.step", Long.toString(optimizer.step));
        meta.put("format", "jvit-retrofit-state");
        Safetensors.write(file, t, meta);
    }

    /** Restores a saved state into this distiller (same student configuration); returns its metadata. */
    @Override
    public Map<String, String> loadState(Path file) {
        Safetensors.Contents c = Safetensors.read(file);
        if (!"jvit-retrofit-state".equals(c.metadata().get("format")))
            throw new IllegalArgumentException(
                    file + ": not a retrofit state (use a last.state.safetensors written by ./vit retrofit)");
        String cfg = c.metadata().get(Checkpoints.CONFIG_KEY), mine = ConfigJson.write(student.config());
        if (!mine.equals(cfg))
            throw new IllegalArgumentException(file + ": the state is for another student configuration\n  state: "
                    + cfg + "\n  this run: " + mine);
        Map<String, INDArray> params = parameters();
        for (var e : params.entrySet()) {
            INDArray saved = c.tensors().get(P + e.getKey());
            if (saved == null) throw new IllegalArgumentException(file + ": no tensor " + P + e.getKey());
            e.getValue().assign(saved);
        }
        optimizer.m.clear();
        optimizer.v.clear();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith(M)) optimizer.m.put(k.substring(M.length()), v.dup());
            if (k.startsWith(V)) optimizer.v.put(k.substring(V.length()), v.dup());
        });
        optimizer.step = Long.parseLong(c.metadata().getOrDefault("adamw.step", "0"));
        return c.metadata();
    }
}
