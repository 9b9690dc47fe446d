package io.jvit.train.retrofit;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.checkpoint.Checkpoints.FloatModel;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Pe;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Models as float arrays ({@link FloatModel}: config and row-major weights under the canonical names), what the fast
 * retrofit runs on end to end so that it never initialises ND4J (its native libraries, and off-heap copies of every
 * model, cost about 0.35 s and some hundreds of MB). The conversions to and from {@link VisionTransformer} are for the
 * files only ND4J reads (PyTorch pickles, other PE on load) and for the SameDiff engine.
 */
public final class FloatModels {
    private FloatModels() {}

    /**
     * A checkpoint as float arrays: our own {@code .safetensors} read directly ({@link Checkpoints#loadFloats}, no ND4J),
     * every other file (or a change of PE) through {@link Checkpoints#load} and copied out.
     */
    public static FloatModel load(Path file, Pe pe, boolean allowNonFinite) {
        FloatModel direct = Checkpoints.loadFloats(file, pe, null, allowNonFinite);
        return direct != null
                ? direct
                : of(Checkpoints.load(file, pe, null, allowNonFinite).model());
    }

    /** The weights of {@code model} as float arrays, in {@link ViTWeights#expectedShapes} order. */
    public static FloatModel of(VisionTransformer model) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (String k : ViTWeights.expectedShapes(model.config()).keySet())
            w.put(
                    k,
                    model.weights()
                            .get(k)
                            .castTo(DataType.FLOAT)
                            .dup('c')
                            .data()
                            .asFloat());
        return new FloatModel(model.config(), w);
    }

    /** The model as a {@link VisionTransformer} (float32 copies of the arrays, in their canonical shapes). */
    public static VisionTransformer toModel(FloatModel model) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        ViTWeights.expectedShapes(model.config())
                .forEach((k, shape) ->
                        w.put(k, Nd4j.create(model.weights().get(k).clone(), shape)));
        return new VisionTransformer(model.config(), new ViTWeights(w));
    }
}
