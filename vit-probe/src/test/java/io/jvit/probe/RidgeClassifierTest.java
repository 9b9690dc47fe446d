package io.jvit.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Equals scikit-learn's RidgeClassifier (decision values to 1e-8, predictions exactly) on the committed reference of
 * {@code src/test/resources/sklearn-reference/ridge_classifier_reference.py}: fewer and more features than samples, two and more classes. */
class RidgeClassifierTest {

    @Test
    void equalsSklearn() throws Exception {
        JsonNode ref = new ObjectMapper()
                .readTree(Path.of(getClass()
                                .getResource("/sklearn-reference/ridge_classifier.json")
                                .toURI())
                        .toFile());
        assertThat(ref.get("cases")).hasSize(3);
        for (JsonNode c : ref.get("cases")) {
            float[][] x = floats(c.get("x")), test = floats(c.get("test"));
            int[] y = new int[x.length];
            for (int i = 0; i < y.length; i++) y[i] = c.get("y").get(i).asInt();
            RidgeClassifier clf = RidgeClassifier.fit(
                    x, y, c.get("classes").asInt(), c.get("alpha").asDouble());
            for (int i = 0; i < test.length; i++) {
                double[] d = clf.decision(test[i]);
                for (int k = 0; k < d.length; k++)
                    assertThat(d[k])
                            .as("case with %d features, sample %d, class %d", x[0].length, i, k)
                            .isCloseTo(c.get("decision").get(i).get(k).asDouble(), within(1e-8));
                assertThat(clf.predict(test[i]))
                        .isEqualTo(c.get("predict").get(i).asInt());
            }
        }
    }

    @Test
    void refusesMismatchedLabelsAndNonPositiveAlpha() {
        float[][] x = {{1, 2}, {3, 4}};
        assertThatThrownBy(() -> RidgeClassifier.fit(x, new int[] {0}, 2, 1))
                .hasMessageContaining("2 samples but 1 labels");
        assertThatThrownBy(() -> RidgeClassifier.fit(x, new int[] {0, 1}, 2, 0))
                .hasMessageContaining("alpha must be > 0");
    }

    private static float[][] floats(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new float[rows.get(i).size()];
            for (int j = 0; j < out[i].length; j++)
                out[i][j] = (float) rows.get(i).get(j).asDouble();
        }
        return out;
    }
}
