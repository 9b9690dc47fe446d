package io.jvit.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central finite differences against SameDiff's backprop, in double precision. Checks every element of
 * small parameters and a random sample of larger ones; returns a description of each mismatch.
 */
final class FiniteDifferences {
    private FiniteDifferences() {}

    static List<String> check(
            SameDiff sd,
            String lossName,
            Map<String, INDArray> placeholders,
            double eps,
            double maxRelError,
            double minAbsError,
            int samplesPerParam) {
        List<String> trainable = new ArrayList<>();
        for (SDVariable v : sd.variables())
            if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) trainable.add(v.name());
        Map<String, INDArray> grads = sd.calculateGradients(placeholders, trainable);
        List<String> problems = new ArrayList<>();
        Random rnd = new Random(42);
        for (String name : trainable) {
            INDArray param = sd.getVariable(name).getArr();
            INDArray grad = grads.get(name);
            if (grad == null) {
                problems.add(name + ": no gradient");
                continue;
            }
            INDArray flatParam = param.reshape(param.length()), flatGrad = grad.reshape(grad.length());
            int n = (int) param.length();
            for (int s = 0; s < Math.min(n, samplesPerParam); s++) {
                int i = n <= samplesPerParam ? s : rnd.nextInt(n);
                double orig = flatParam.getDouble(i);
                flatParam.putScalar(i, orig + eps);
                double plus = loss(sd, lossName, placeholders);
                flatParam.putScalar(i, orig - eps);
                double minus = loss(sd, lossName, placeholders);
                flatParam.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * eps), analytic = flatGrad.getDouble(i);
                double abs = Math.abs(numeric - analytic),
                        rel = abs / Math.max(Math.abs(numeric) + Math.abs(analytic), 1e-300);
                if (abs > minAbsError && rel > maxRelError)
                    problems.add(String.format(
                            "%s[%d]: analytic %.8g vs numeric %.8g (rel %.2g)", name, i, analytic, numeric, rel));
            }
        }
        return problems;
    }

    private static double loss(SameDiff sd, String lossName, Map<String, INDArray> placeholders) {
        return sd.output(placeholders, lossName).get(lossName).getDouble(0);
    }
}
