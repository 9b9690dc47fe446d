package io.jvit.probe.synthetic;

import io.jvit.core.image.Image;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Homogeneous synthetic "micrographs": statistically the same everywhere and in every direction, so a
 * feature that predicts where a patch sits can only have learned it from the model, not from the image.
 * Every generator is seeded and works at any size; the length scales are in pixels (not fractions of the
 * image), so a larger image shows more grains, not bigger ones. Pixels are quantised to 8 bits, so a
 * saved PNG reproduces the image exactly.
 */
public enum Microstructure {
    /** Two-phase microstructure: a Gaussian random field (σ = 6 px) thresholded at its median. */
    GRF("grf"),
    /** Polycrystal: periodic Voronoi grains with random grey levels and dark boundaries (~40 px grains). */
    VORONOI("voronoi"),
    /** Particle dispersion: bright discs (log-normal radii, median 7 px) in a dark matrix, 20% area. */
    PARTICLES("particles"),
    /** Spinodal-like pattern: Cahn's random-wave model, 48 waves of wavelength 28 px in random directions. */
    SPINODAL("spinodal"),
    /** Uniform RGB white noise, as the paper's "Noise" set. */
    NOISE("noise");

    public final String key;

    Microstructure(String key) {
        this.key = key;
    }

    public static Microstructure parse(String s) {
        for (Microstructure m : values()) if (m.key.equals(s.toLowerCase(Locale.ROOT))) return m;
        throw new IllegalArgumentException(
                "unknown microstructure '" + s + "' (expected grf, voronoi, particles, spinodal, noise or all)");
    }

    /** An h × w image (grey, or RGB for noise) from {@code seed}. */
    public Image generate(int h, int w, long seed) {
        if (h < 1 || w < 1) throw new IllegalArgumentException("image size must be positive, got " + h + "×" + w);
        SplittableRandom rnd = new SplittableRandom(seed ^ ((long) ordinal() << 48));
        float[] p = switch (this) {
            case GRF -> grf(h, w, rnd);
            case VORONOI -> voronoi(h, w, rnd);
            case PARTICLES -> particles(h, w, rnd);
            case SPINODAL -> spinodal(h, w, rnd);
            case NOISE -> noise(3 * h * w, rnd);
        };
        for (int i = 0; i < p.length; i++) p[i] = Math.round(Math.min(1f, Math.max(0f, p[i])) * 255f) / 255f;
        return new Image(p, this == NOISE ? 3 : 1, h, w, 8);
    }

    private static float[] grf(int h, int w, SplittableRandom rnd) {
        float[] f = gaussianNoise(h * w, rnd);
        Blur.periodic(f, h, w, 6.0);
        float median = median(f);
        for (int i = 0; i < f.length; i++) f[i] = f[i] > median ? 0.75f : 0.25f;
        Blur.periodic(f, h, w, 0.8); // soft phase boundaries, as imaged
        addNoise(f, 0.03, rnd);
        return f;
    }

    private static float[] voronoi(int h, int w, SplittableRandom rnd) {
        int n = Math.max(2, (int) Math.round(h * (double) w / (40.0 * 40.0)));
        double[] sy = new double[n], sx = new double[n];
        float[] grey = new float[n];
        for (int k = 0; k < n; k++) {
            sy[k] = rnd.nextDouble() * h;
            sx[k] = rnd.nextDouble() * w;
            grey[k] = (float) (0.35 + 0.5 * rnd.nextDouble());
        }
        float[] f = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double d1 = Double.MAX_VALUE, d2 = Double.MAX_VALUE;
                int nearest = 0;
                for (int k = 0; k < n; k++) {
                    double dy = Math.abs(y - sy[k]), dx = Math.abs(x - sx[k]);
                    dy = Math.min(dy, h - dy); // periodic: the image tiles without seams
                    dx = Math.min(dx, w - dx);
                    double d = dy * dy + dx * dx;
                    if (d < d1) {
                        d2 = d1;
                        d1 = d;
                        nearest = k;
                    } else if (d < d2) d2 = d;
                }
                // distance to the bisector between the two nearest seeds ≈ (d2 − d1) / (2·|s2 − s1|) ~ (√d2 − √d1)
                f[y * w + x] = Math.sqrt(d2) - Math.sqrt(d1) < 1.5 ? 0.1f : grey[nearest];
            }
        Blur.periodic(f, h, w, 0.7);
        addNoise(f, 0.03, rnd);
        return f;
    }

    private static float[] particles(int h, int w, SplittableRandom rnd) {
        float[] f = new float[h * w];
        java.util.Arrays.fill(f, 0.25f);
        double covered = 0, target = 0.2 * h * w;
        while (covered < target) {
            double r = 7.0 * Math.exp(0.35 * rnd.nextGaussian());
            double cy = rnd.nextDouble() * h, cx = rnd.nextDouble() * w;
            int ri = (int) Math.ceil(r);
            for (int dy = -ri; dy <= ri; dy++)
                for (int dx = -ri; dx <= ri; dx++) {
                    if (dy * dy + dx * dx > r * r) continue;
                    int y = Math.floorMod((int) Math.floor(cy) + dy, h),
                            x = Math.floorMod((int) Math.floor(cx) + dx, w);
                    f[y * w + x] = 0.8f;
                }
            covered += Math.PI * r * r;
        }
        Blur.periodic(f, h, w, 0.8);
        addNoise(f, 0.03, rnd);
        return f;
    }

    private static float[] spinodal(int h, int w, SplittableRandom rnd) {
        int waves = 48;
        double k = 2 * Math.PI / 28.0;
        double[] ky = new double[waves], kx = new double[waves], phase = new double[waves];
        for (int q = 0; q < waves; q++) {
            double theta = rnd.nextDouble() * Math.PI; // isotropic: directions uniform on the half circle
            ky[q] = k * Math.sin(theta);
            kx[q] = k * Math.cos(theta);
            phase[q] = rnd.nextDouble() * 2 * Math.PI;
        }
        float[] f = new float[h * w];
        double norm = Math.sqrt(2.0 / waves); // unit variance
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int q = 0; q < waves; q++) s += Math.cos(ky[q] * y + kx[q] * x + phase[q]);
                f[y * w + x] = (float) (0.5 + 0.35 * Math.tanh(2.0 * s * norm));
            }
        addNoise(f, 0.03, rnd);
        return f;
    }

    private static float[] noise(int n, SplittableRandom rnd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = rnd.nextInt(256) / 255f;
        return f;
    }

    private static float[] gaussianNoise(int n, SplittableRandom rnd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }

    private static void addNoise(float[] f, double sd, SplittableRandom rnd) {
        for (int i = 0; i < f.length; i++) f[i] += (float) (sd * rnd.nextGaussian());
    }

    private static float median(float[] f) {
        float[] s = f.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
