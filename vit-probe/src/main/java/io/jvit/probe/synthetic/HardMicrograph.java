package io.jvit.probe.synthetic;

import io.jvit.core.image.Image;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hard synthetic micrographs for trainable segmentation, with dense truth and scribbles drawn as people draw them.
 * <ul>
 * <li><b>Phases</b>: {@code phases − 1} major phases from a Gaussian random field (σ = 8 px) cut into bands of equal
 *     area, grey levels 0.34 … 0.58 with a faint texture of their own; and one <em>minority</em> phase (the last class),
 *     small bright particles (grey 0.85, log-normal radii, median 2.6 px) covering about 3.5% of the pixels.</li>
 * <li><b>Imaging</b>: blur (σ = 1.3 px, so the small particles lose much of their contrast), uneven illumination (a
 *     ±20% gradient from one corner to the other times a slow ±6% wave), shot noise (Gaussian with variance I/60, as
 *     60 electrons at full scale) and read noise (σ = 0.01), quantised to 8 bits.</li>
 * <li><b>Scribbles</b> (0 = unlabelled, k = class k): a few strokes per major class (4 random walks of 60 to 180 px,
 *     3 px wide, that follow the phase at least 3 px from its border) and a few dabs on minority particles (their interior),
 *     about 60% of them started in the top-left third of the image: the corner people start in is over-represented.</li>
 * </ul>
 * Truth and scribbles hold class numbers 1…{@code phases}. Seeded: the same seed gives the same sample.
 */
public final class HardMicrograph {
    private HardMicrograph() {}

    /** A generated micrograph: the image (8-bit grey), its dense truth and its scribbles (row-major, classes 1…K, 0 = none). */
    public record Sample(Image image, int[] truth, int[] scribbles, int classes) {
        public int height() {
            return image.height();
        }

        public int width() {
            return image.width();
        }
        /** The minority phase's class number (the last). */
        public int minorityClass() {
            return classes;
        }
    }

    public static final double MINORITY_FRACTION = 0.035;
    private static final double[] TURNS = {0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5};

    /** A three-phase sample. */
    public static Sample generate(int h, int w, long seed) {
        return generate(h, w, 3, seed);
    }

    /** A sample with {@code phases} phases (3 to 6), the last the minority. */
    public static Sample generate(int h, int w, int phases, long seed) {
        if (h < 32 || w < 32)
            throw new IllegalArgumentException("hard micrographs need at least 32×32 pixels, got " + h + "×" + w);
        if (phases < 3 || phases > 6) throw new IllegalArgumentException("phases must be 3 to 6, got " + phases);
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x4A4D);
        int n = h * w, majors = phases - 1;
        // major phases: one Gaussian random field cut at its quantiles into bands of equal area
        float[] field = gaussian(n, rnd);
        Blur.periodic(field, h, w, 8.0);
        float[] sorted = field.clone();
        java.util.Arrays.sort(sorted);
        float[] cut = new float[majors - 1];
        for (int k = 1; k < majors; k++) cut[k - 1] = sorted[(int) ((long) n * k / majors)];
        int[] truth = new int[n];
        for (int i = 0; i < n; i++) {
            int k = 0;
            while (k < cut.length && field[i] > cut[k]) k++;
            truth[i] = k + 1;
        }
        // minority: small bright particles until they cover MINORITY_FRACTION of the image
        List<int[]> particles = new ArrayList<>(); // (cy, cx, r·100)
        long covered = 0, target = Math.round(MINORITY_FRACTION * n);
        while (covered < target) {
            double r = Math.max(1.2, 2.6 * Math.exp(0.3 * rnd.nextGaussian()));
            int cy = rnd.nextInt(h), cx = rnd.nextInt(w), ri = (int) Math.ceil(r);
            for (int dy = -ri; dy <= ri; dy++)
                for (int dx = -ri; dx <= ri; dx++) {
                    int y = cy + dy, x = cx + dx;
                    if (y < 0 || y >= h || x < 0 || x >= w || dy * dy + dx * dx > r * r || truth[y * w + x] == phases)
                        continue;
                    truth[y * w + x] = phases;
                    covered++;
                }
            particles.add(new int[] {cy, cx, (int) Math.round(r * 100)});
        }
        // grey levels with a faint texture per phase
        float[] texture = gaussian(n, rnd);
        Blur.periodic(texture, h, w, 3.0);
        double tsd = sd(texture);
        float[] img = new float[n];
        for (int i = 0; i < n; i++) {
            int k = truth[i];
            double level = k == phases ? 0.85 : 0.34 + 0.24 * (k - 1) / Math.max(1, majors - 1);
            img[i] = (float) (level + 0.025 * texture[i] / tsd);
        }
        Blur.periodic(img, h, w, 1.3);
        // uneven illumination: a corner-to-corner gradient and a slow wave
        double phi = rnd.nextDouble() * 2 * Math.PI,
                ky = 2 * Math.PI * (0.7 + 0.6 * rnd.nextDouble()) / h,
                kx = 2 * Math.PI * (0.7 + 0.6 * rnd.nextDouble()) / w;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double g = 0.8 + 0.4 * (0.5 * y / (h - 1) + 0.5 * x / (w - 1));
                double wave = 1 + 0.06 * Math.sin(ky * y + kx * x + phi);
                img[y * w + x] *= (float) (g * wave);
            }
        // shot noise (60 electrons at full scale) and read noise, 8 bits
        for (int i = 0; i < n; i++) {
            double v = Math.max(0, img[i]);
            v += Math.sqrt(v / 60.0) * rnd.nextGaussian() + 0.01 * rnd.nextGaussian();
            img[i] = Math.round(Math.min(1, Math.max(0, v)) * 255) / 255f;
        }
        int[] scribbles = scribble(truth, h, w, phases, particles, rnd);
        return new Sample(new Image(img, 1, h, w, 8), truth, scribbles, phases);
    }

    /** Strokes inside the major phases, dabs on minority particles; about 60% started in the top-left third. */
    private static int[] scribble(int[] truth, int h, int w, int phases, List<int[]> particles, SplittableRandom rnd) {
        int[] s = new int[h * w];
        boolean[] inside = interior(truth, h, w, 3);
        for (int k = 1; k < phases; k++) {
            int strokes = 0;
            for (int attempt = 0; strokes < 4 && attempt < 2000; attempt++) {
                boolean corner = rnd.nextDouble() < 0.6;
                int y = rnd.nextInt(corner ? Math.max(1, h / 3) : h), x = rnd.nextInt(corner ? Math.max(1, w / 3) : w);
                if (!inside[y * w + x] || truth[y * w + x] != k) continue;
                double theta = rnd.nextDouble() * 2 * Math.PI, py = y, px = x;
                int len = 60 + rnd.nextInt(121);
                for (int step = 0; step < len; step++) {
                    paint(s, h, w, (int) Math.round(py), (int) Math.round(px), k, truth);
                    theta += 0.2 * rnd.nextGaussian();
                    boolean moved = false;
                    for (double turn : TURNS) { // follow the phase: turn away from its border
                        double ny = py + Math.sin(theta + turn), nx = px + Math.cos(theta + turn);
                        int iy = (int) Math.round(ny), ix = (int) Math.round(nx);
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w || !inside[iy * w + ix] || truth[iy * w + ix] != k)
                            continue;
                        theta += turn;
                        py = ny;
                        px = nx;
                        moved = true;
                        break;
                    }
                    if (!moved) break;
                }
                strokes++;
            }
        }
        int dabs = 0;
        for (int attempt = 0; dabs < 5 && attempt < 5000; attempt++) {
            int[] p = particles.get(rnd.nextInt(particles.size()));
            boolean corner = p[0] < h / 3 && p[1] < w / 3;
            if (!corner && rnd.nextDouble() < 0.7) continue; // most dabs in the corner
            double r = p[2] / 100.0 - 1; // the interior, 1 px from the edge
            if (r < 0.5) continue;
            int ri = (int) Math.ceil(r), painted = 0;
            for (int dy = -ri; dy <= ri; dy++)
                for (int dx = -ri; dx <= ri; dx++) {
                    int y = p[0] + dy, x = p[1] + dx;
                    if (y < 0 || y >= h || x < 0 || x >= w || dy * dy + dx * dx > r * r || truth[y * w + x] != phases)
                        continue;
                    s[y * w + x] = phases;
                    painted++;
                }
            if (painted > 0) dabs++;
        }
        return s;
    }

    private static void paint(int[] s, int h, int w, int cy, int cx, int k, int[] truth) {
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int y = cy + dy, x = cx + dx;
                if (y >= 0 && y < h && x >= 0 && x < w && truth[y * w + x] == k) s[y * w + x] = k;
            }
    }

    /** Pixels whose disc of radius r (inside the image) holds one class only. */
    private static boolean[] interior(int[] truth, int h, int w, int r) {
        boolean[] in = new boolean[h * w];
        for (int y = r; y < h - r; y++)
            for (int x = r; x < w - r; x++) {
                int k = truth[y * w + x];
                boolean ok = true;
                for (int dy = -r; dy <= r && ok; dy++)
                    for (int dx = -r; dx <= r && ok; dx++)
                        if (dy * dy + dx * dx <= r * r && truth[(y + dy) * w + x + dx] != k) ok = false;
                in[y * w + x] = ok;
            }
        return in;
    }

    private static float[] gaussian(int n, SplittableRandom rnd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }

    private static double sd(float[] f) {
        double m = 0, q = 0;
        for (float v : f) m += v;
        m /= f.length;
        for (float v : f) q += (v - m) * (v - m);
        return Math.sqrt(q / f.length) + 1e-12;
    }
}
