package io.jvit.probe.synthetic;

/** Separable Gaussian blur with periodic boundaries (the blurred image still tiles without seams). */
final class Blur {
    private Blur() {}

    /** Blurs the h × w image {@code f} in place with standard deviation {@code sigma} pixels. */
    static void periodic(float[] f, int h, int w, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        float[] line = new float[Math.max(h, w)];
        for (int y = 0; y < h; y++) { // rows
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) s += k[i + r] * f[y * w + Math.floorMod(x + i, w)];
                line[x] = (float) s;
            }
            System.arraycopy(line, 0, f, y * w, w);
        }
        for (int x = 0; x < w; x++) { // columns
            for (int y = 0; y < h; y++) {
                double s = 0;
                for (int i = -r; i <= r; i++) s += k[i + r] * f[Math.floorMod(y + i, h) * w + x];
                line[y] = (float) s;
            }
            for (int y = 0; y < h; y++) f[y * w + x] = line[y];
        }
    }
}
