package io.jvit.train.retrofit;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.PositionalEncoding;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The paper's student (digest d.1): a copy of the teacher whose positional encoding is replaced. The
 * teacher's own PE parameters (a learned absolute table) are dropped, not zeroed; the new encoding's
 * parameters (learned ALiBi slopes) start at 1, the paper's constant. Every other weight is copied.
 */
public final class Students {
    private Students() {}

    public static VisionTransformer of(VisionTransformer teacher, PositionalEncoding pe) {
        ViTConfig cfg = teacher.config().withPe(pe);
        Map<String, INDArray> w = new LinkedHashMap<>();
        var want = ViTWeights.expectedShapes(cfg);
        for (var e : teacher.weights().asMap().entrySet())
            if (want.containsKey(e.getKey())) w.put(e.getKey(), e.getValue().dup());
        if (pe instanceof Alibi2d a && a.slopes() == AlibiSlopes.LEARNED)
            for (int b = 0; b < cfg.depth(); b++)
                w.put(Alibi2d.slopeParam(b), Nd4j.valueArrayOf(new long[] {cfg.numHeads()}, 1.0, teacher.dataType()));
        for (String k : want.keySet())
            if (!w.containsKey(k))
                throw new IllegalArgumentException(
                        "the student's PE needs parameter '" + k + "' that the teacher lacks");
        return new VisionTransformer(cfg, new ViTWeights(w));
    }

    /** {@link #of(VisionTransformer, PositionalEncoding)} on float arrays (copies; no ND4J), in the canonical order. */
    public static Checkpoints.FloatModel of(Checkpoints.FloatModel teacher, PositionalEncoding pe) {
        ViTConfig cfg = teacher.config().withPe(pe);
        java.util.Set<String> slopes = new java.util.HashSet<>();
        if (pe instanceof Alibi2d a && a.slopes() == AlibiSlopes.LEARNED)
            for (int b = 0; b < cfg.depth(); b++) slopes.add(Alibi2d.slopeParam(b));
        Map<String, float[]> w = new LinkedHashMap<>();
        for (String k : ViTWeights.expectedShapes(cfg).keySet()) {
            float[] t = teacher.weights().get(k);
            if (slopes.contains(k)) {
                float[] ones = new float[cfg.numHeads()];
                java.util.Arrays.fill(ones, 1f);
                w.put(k, ones);
            } else if (t != null) w.put(k, t.clone());
            else
                throw new IllegalArgumentException(
                        "the student's PE needs parameter '" + k + "' that the teacher lacks");
        }
        return new Checkpoints.FloatModel(cfg, w);
    }
}
