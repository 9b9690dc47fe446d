package io.jvit.train.samediff;

import io.jvit.core.model.ViTGraph;
import java.util.Locale;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The distillation loss on a student's training graph (digest d.1): the student's final-normed patch
 * tokens (B, h, w, C) against the teacher's (placeholder {@link #TARGET}). Cosine (paper): mean over
 * (B, h, w) of 1 − cos along channels; MSE as the option. Reductions name positive axes (ND4J M2.1's
 * keep-dims mean over −1 has a wrong gradient).
 */
public enum DistillationLoss {
    COSINE,
    MSE;
    public static final String TARGET = "distill_target", LOSS = "distill_loss";

    public static DistillationLoss parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("loss must be cosine or mse, got '" + s + "'");
        }
    }

    /** Adds the target placeholder and the scalar loss to {@code graph}; returns the loss variable. */
    public SDVariable addTo(ViTGraph graph, DataType type) {
        SameDiff sd = graph.sameDiff();
        int c = graph.config().embedDim();
        SDVariable s = sd.getVariable(ViTGraph.PATCH_TOKENS);
        SDVariable t = sd.placeHolder(TARGET, type, -1, graph.gridH(), graph.gridW(), c);
        SDVariable loss;
        if (this == COSINE) {
            SDVariable dot = s.mul(t).sum(3);
            SDVariable norms = sd.math
                    .sqrt(s.mul(s).sum(3))
                    .mul(sd.math.sqrt(t.mul(t).sum(3)))
                    .add(1e-8);
            loss = dot.div(norms).rsub(1.0).mean();
        } else {
            SDVariable d = s.sub(t);
            loss = d.mul(d).mean();
        }
        loss = sd.identity(LOSS, loss);
        sd.setLossVariables(loss);
        return loss;
    }
}
