package io.jvit.train.samediff;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What every training loop on a SameDiff graph needs: its trainable names, their arrays, loss and gradients. */
public final class GraphTraining {
    private GraphTraining() {}

    private static final Set<SameDiff> BUILT = Collections.newSetFromMap(new WeakHashMap<>());

    /** Names of the graph's trainable variables, in graph order. */
    public static List<String> trainable(SameDiff sd) {
        List<String> names = new ArrayList<>();
        for (SDVariable v : sd.variables()) if (v.getVariableType() == VariableType.VARIABLE) names.add(v.name());
        return names;
    }

    /** The arrays the graph holds for {@code names} (updated in place by an optimiser). */
    public static Map<String, INDArray> parameters(SameDiff sd, List<String> names) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String n : names) p.put(n, sd.getVariable(n).getArr());
        return p;
    }

    /**
     * The loss and the gradients of {@code names}. ND4J M2.1 prints one "Added differentiated op" line per
     * op to stdout while it builds a graph's backward pass: that first call runs with stdout silenced.
     */
    public static synchronized OutAndGrad lossAndGradients(
            SameDiff sd, Map<String, INDArray> placeholders, String loss, List<String> names) {
        if (BUILT.contains(sd)) return sd.calculateGradientsAndOutputs(placeholders, List.of(loss), names);
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return sd.calculateGradientsAndOutputs(placeholders, List.of(loss), names);
        } finally {
            System.setOut(out);
            BUILT.add(sd);
        }
    }
}
