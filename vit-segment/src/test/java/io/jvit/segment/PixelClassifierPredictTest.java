package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** In-place prediction (no DMatrix) gives the probabilities a DMatrix gives, for every classifier kind. */
class PixelClassifierPredictTest {

    @Test
    void inPlaceEqualsDMatrix() throws Exception {
        int rows = 600, features = 7, classes = 3;
        Random rnd = new Random(5);
        float[] x = new float[rows * features];
        int[] y = new int[rows];
        for (int r = 0; r < rows; r++) {
            y[r] = r % classes;
            for (int f = 0; f < features; f++) x[r * features + f] = (float) (rnd.nextGaussian() + (f == y[r] ? 2 : 0));
        }
        for (PixelClassifier.Kind kind : PixelClassifier.Kind.values()) {
            PixelClassifier c = PixelClassifier.train(kind, x, rows, features, y, classes, 1, 0);
            float[][] viaMatrix = c.predictChunk(x, rows, false);
            float[] viaPredict = c.predict(x, rows);
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < classes; k++)
                    assertThat(viaPredict[r * classes + k])
                            .as("%s row %d class %d", kind, r, k)
                            .isEqualTo(viaMatrix[r][k]);
        }
    }
}
