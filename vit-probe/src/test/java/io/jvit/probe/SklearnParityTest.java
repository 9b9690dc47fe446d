package io.jvit.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvit.core.io.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The probe equals scikit-learn (StandardScaler + Ridge(alpha=1) + score on all tokens) to |ΔR²| ≤ 1e-6,
 * on reference numbers written by {@code src/test/resources/sklearn-reference/sklearn_reference.py} (committed output).
 */
class SklearnParityTest {

    private static Path resource(String name) throws Exception {
        return Path.of(SklearnParityTest.class
                .getResource("/sklearn-reference/" + name)
                .toURI());
    }

    @TestFactory
    List<DynamicTest> everyRampMaskAndShapeMatchesSklearn() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(resource("reference.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : ref.get("cases")) {
            String name = c.get("features").asText() + " " + c.get("ramp").asText() + " "
                    + c.get("mask").asText() + " step " + c.get("step").asInt() + " cutoff "
                    + c.get("cutoff").asDouble();
            tests.add(DynamicTest.dynamicTest(name, () -> check(c)));
        }
        assertThat(tests).hasSize(63);
        return tests;
    }

    private static void check(JsonNode c) throws Exception {
        int h = c.get("h").asInt(), w = c.get("w").asInt();
        FeatureMap f = FeatureMap.of(Npy.read(resource(c.get("features").asText())), false);
        assertThat(f.c()).isEqualTo(c.get("c").asInt());
        Ramp ramp = Ramp.parse(c.get("ramp").asText());
        int[] idx = new int[c.get("indices").size()];
        for (int k = 0; k < idx.length; k++) idx[k] = c.get("indices").get(k).asInt();
        if (c.get("mask").asText().equals("grid")) {
            int[] ours = new SampleMask(
                            false, c.get("step").asInt(), c.get("cutoff").asDouble())
                    .indices(h, w, ramp == Ramp.RADIAL, 0);
            assertThat(ours).as("grid mask").containsExactly(idx);
        }
        double[][] target;
        if (ramp == Ramp.RANDOM) {
            target = new double[h * w][1];
            for (int t = 0; t < h * w; t++)
                target[t][0] = c.get("target").get(t).asDouble();
        } else {
            target = ramp.values(h, w, 0);
        }
        assertThat(LinearProbe.r2(f, idx, target, 1.0)).isCloseTo(c.get("r2").asDouble(), within(1e-6));
        if (c.has("per_channel_r2")) {
            double[] per = LinearProbe.perChannelR2(f, idx, target, 1.0);
            for (int k = 0; k < per.length; k++)
                assertThat(per[k])
                        .as("channel %d", k)
                        .isCloseTo(c.get("per_channel_r2").get(k).asDouble(), within(1e-6));
        }
    }
}
