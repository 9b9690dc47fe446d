package io.jvit.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PcaTest {

    @Test
    void eigenvectorsOfAKnownMatrix() {
        // A = Q diag(9, 4, 1, 0.5) Qᵀ with Q a rotation in the (0, 1) and (2, 3) planes
        double c = Math.cos(0.3), s = Math.sin(0.3);
        double[][] q = {{c, -s, 0, 0}, {s, c, 0, 0}, {0, 0, c, -s}, {0, 0, s, c}};
        double[] ev = {9, 4, 1, 0.5};
        double[][] a = new double[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) for (int k = 0; k < 4; k++) a[i][j] += q[i][k] * ev[k] * q[j][k];
        double[][] v = Pca.topEigenvectors(a, 3);
        for (int k = 0; k < 3; k++) {
            double dot = 0;
            for (int i = 0; i < 4; i++) dot += v[k][i] * q[i][k];
            assertThat(Math.abs(dot)).as("component %d", k).isCloseTo(1.0, within(1e-9));
        }
    }

    @Test
    void componentsRecoverTheLatentFactorsInOrder() {
        int h = 16, w = 16, c = 12;
        Random r = new Random(1);
        double[][] latent = new double[h * w][3];
        float[] d = new float[h * w * c];
        double[][] mix = new double[3][c];
        for (double[] row : mix) for (int j = 0; j < c; j++) row[j] = r.nextGaussian();
        for (int t = 0; t < h * w; t++) {
            latent[t] = new double[] {5 * r.nextGaussian(), 2 * r.nextGaussian(), 0.8 * r.nextGaussian()};
            for (int j = 0; j < c; j++) {
                double v = 0.01 * r.nextGaussian();
                for (int k = 0; k < 3; k++) v += latent[t][k] * mix[k][j];
                d[t * c + j] = (float) v;
            }
        }
        double[][] pc = Pca.components(new FeatureMap(d, h, w, c), 3, false);
        for (int t = 0; t < h * w; t++)
            for (int k = 0; k < 3; k++) assertThat(pc[t][k]).isBetween(0.0, 1.0);
        // the first component is a (min-max scaled) linear function of the strongest factor
        assertThat(Math.abs(corr(pc, 0, latent, 0))).isGreaterThan(0.95);
    }

    private static double corr(double[][] a, int i, double[][] b, int j) {
        int n = a.length;
        double ma = 0, mb = 0;
        for (int t = 0; t < n; t++) {
            ma += a[t][i] / n;
            mb += b[t][j] / n;
        }
        double sab = 0, saa = 0, sbb = 0;
        for (int t = 0; t < n; t++) {
            double x = a[t][i] - ma, y = b[t][j] - mb;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
