package io.jvit.segment;

import io.jvit.core.image.Image;
import io.jvit.core.util.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trainable Weka Segmentation's default filter bank (as the paper's {@code FeatureConfig()}, digest e.3),
 * on the greyscale image, 58 channels:
 * <ul>
 * <li>at σ = 0 (the image itself) and σ ∈ {1, 2, 4, 8, 16}: Gaussian blur (σ′ = 0.4·σ, kernel 4σ′ + 1, as
 *     TWS), Sobel magnitude of the blur, Hessian of the blur (larger and smaller eigenvalue, modulus,
 *     trace, determinant): 6 × 7 = 42;</li>
 * <li>differences of Gaussians for the 10 pairs σ_i &lt; σ_j: 10;</li>
 * <li>membrane projections: a 15-px line (thickness 1) in 30 orientations, projected by sum, mean, std,
 *     median, max and min over the orientations: 6.</li>
 * </ul>
 * Borders are mirrored. Rows are split over {@code threads} threads.
 */
public final class FilterBank {
    private FilterBank() {}

    public static final double[] SIGMAS = {1, 2, 4, 8, 16};
    private static final String[] PER_SCALE = {
        "blur", "sobel", "hessian_eig1", "hessian_eig2", "hessian_modulus", "hessian_trace", "hessian_det"
    };
    private static final String[] PROJECTIONS = {"sum", "mean", "std", "median", "max", "min"};
    static final int MEMBRANE_SIZE = 15, ORIENTATIONS = 30;

    /** The 58 channel names, in order. */
    public static List<String> names() {
        List<String> n = new ArrayList<>();
        for (String s : PER_SCALE) n.add(s + "_s0");
        for (double sg : SIGMAS) for (String s : PER_SCALE) n.add(s + "_s" + (int) sg);
        for (int i = 0; i < SIGMAS.length; i++)
            for (int j = i + 1; j < SIGMAS.length; j++) n.add("dog_s" + (int) SIGMAS[j] + "_s" + (int) SIGMAS[i]);
        for (String p : PROJECTIONS) n.add("membrane_" + p);
        return n;
    }

    /** Channels × pixels (row-major pixels) of a greyscale image (RGB is converted to luminance first). */
    public static float[][] compute(Image image, int threads) {
        Image g = image.toGrey();
        int h = g.height(), w = g.width();
        float[] img = g.pixels();
        List<float[]> out = new ArrayList<>();
        addScale(out, img, h, w, threads);
        float[][] blurs = new float[SIGMAS.length][];
        for (int s = 0; s < SIGMAS.length; s++) {
            blurs[s] = gaussian(img, h, w, 0.4 * SIGMAS[s], threads);
            addScale(out, blurs[s], h, w, threads);
        }
        for (int i = 0; i < SIGMAS.length; i++)
            for (int j = i + 1; j < SIGMAS.length; j++) {
                float[] d = new float[h * w];
                for (int p = 0; p < d.length; p++) d[p] = blurs[j][p] - blurs[i][p];
                out.add(d);
            }
        out.addAll(Arrays.asList(membrane(img, h, w, threads)));
        return out.toArray(float[][]::new);
    }

    /** blur (the input), Sobel magnitude, Hessian eig1, eig2, modulus, trace, determinant. */
    private static void addScale(List<float[]> out, float[] b, int h, int w, int threads) {
        int n = h * w;
        float[] sobel = new float[n],
                e1 = new float[n],
                e2 = new float[n],
                mod = new float[n],
                tr = new float[n],
                det = new float[n];
        Parallel.forRange(h, threads, (wk, y0, y1) -> {
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++) {
                    float a = at(b, h, w, y - 1, x - 1), bb = at(b, h, w, y - 1, x), c = at(b, h, w, y - 1, x + 1);
                    float d = at(b, h, w, y, x - 1), e = b[y * w + x], f = at(b, h, w, y, x + 1);
                    float g = at(b, h, w, y + 1, x - 1), hh = at(b, h, w, y + 1, x), i = at(b, h, w, y + 1, x + 1);
                    float gx = (c + 2 * f + i) - (a + 2 * d + g), gy = (g + 2 * hh + i) - (a + 2 * bb + c);
                    int p = y * w + x;
                    sobel[p] = (float) Math.sqrt(gx * gx + gy * gy);
                    float xx = d - 2 * e + f, yy = bb - 2 * e + hh, xy = (i - g - c + a) / 4;
                    float t = xx + yy, disc = (float) Math.sqrt((xx - yy) * (xx - yy) + 4 * xy * xy);
                    e1[p] = (t + disc) / 2;
                    e2[p] = (t - disc) / 2;
                    mod[p] = (float) Math.sqrt(xx * xx + 2 * xy * xy + yy * yy);
                    tr[p] = t;
                    det[p] = xx * yy - xy * xy;
                }
        });
        out.addAll(List.of(b, sobel, e1, e2, mod, tr, det));
    }

    /** Separable Gaussian blur, σ in pixels, kernel radius 2σ (size 4σ + 1), mirrored borders. */
    static float[] gaussian(float[] img, int h, int w, double sigma, int threads) {
        int r = Math.max(1, (int) Math.round(2 * sigma));
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
        float[] tmp = new float[h * w], out = new float[h * w];
        Parallel.forRange(h, threads, (wk, y0, y1) -> {
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    if (x >= r && x < w - r)
                        for (int i = -r, o = y * w + x - r; i <= r; i++, o++) s += k[i + r] * img[o];
                    else for (int i = -r; i <= r; i++) s += k[i + r] * img[y * w + mirror(x + i, w)];
                    tmp[y * w + x] = s;
                }
        });
        Parallel.forRange(h, threads, (wk, y0, y1) -> {
            for (int y = y0; y < y1; y++) {
                boolean inside = y >= r && y < h - r;
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    if (inside) for (int i = -r, o = (y - r) * w + x; i <= r; i++, o += w) s += k[i + r] * tmp[o];
                    else for (int i = -r; i <= r; i++) s += k[i + r] * tmp[mirror(y + i, h) * w + x];
                    out[y * w + x] = s;
                }
            }
        });
        return out;
    }

    /** Line-filter responses in 30 orientations, projected per pixel: sum, mean, std, median, max, min. */
    static float[][] membrane(float[] img, int h, int w, int threads) {
        int half = MEMBRANE_SIZE / 2;
        int[][] dy = new int[ORIENTATIONS][MEMBRANE_SIZE], dx = new int[ORIENTATIONS][MEMBRANE_SIZE];
        for (int o = 0; o < ORIENTATIONS; o++) {
            double th = Math.PI * o / ORIENTATIONS; // 6° steps over 180°
            for (int t = -half; t <= half; t++) {
                dy[o][t + half] = (int) Math.round(t * Math.cos(th));
                dx[o][t + half] = (int) Math.round(t * Math.sin(th));
            }
        }
        int n = h * w;
        int[][] off = new int[ORIENTATIONS][MEMBRANE_SIZE]; // flat offsets for pixels away from the border
        for (int o = 0; o < ORIENTATIONS; o++)
            for (int t = 0; t < MEMBRANE_SIZE; t++) off[o][t] = dy[o][t] * w + dx[o][t];
        float[][] proj = new float[6][n];
        Parallel.forRange(h, threads, (wk, y0, y1) -> {
            float[] resp = new float[ORIENTATIONS];
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++) {
                    boolean inside = y >= half && y < h - half && x >= half && x < w - half;
                    int c = y * w + x;
                    for (int o = 0; o < ORIENTATIONS; o++) {
                        float s = 0;
                        if (inside) for (int t = 0; t < MEMBRANE_SIZE; t++) s += img[c + off[o][t]];
                        else
                            for (int t = 0; t < MEMBRANE_SIZE; t++)
                                s += img[mirror(y + dy[o][t], h) * w + mirror(x + dx[o][t], w)];
                        resp[o] = s;
                    }
                    double sum = 0, sq = 0;
                    for (float v : resp) {
                        sum += v;
                        sq += (double) v * v;
                    }
                    double mean = sum / ORIENTATIONS;
                    Arrays.sort(resp);
                    int p = y * w + x;
                    proj[0][p] = (float) sum;
                    proj[1][p] = (float) mean;
                    proj[2][p] = (float) Math.sqrt(Math.max(0, sq / ORIENTATIONS - mean * mean));
                    proj[3][p] = (resp[ORIENTATIONS / 2 - 1] + resp[ORIENTATIONS / 2]) / 2;
                    proj[4][p] = resp[ORIENTATIONS - 1];
                    proj[5][p] = resp[0];
                }
        });
        return proj;
    }

    static int mirror(int i, int n) {
        if (n == 1) return 0;
        int period = 2 * n - 2; // reflect without repeating the edge
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }

    private static float at(float[] b, int h, int w, int y, int x) {
        return b[mirror(y, h) * w + mirror(x, w)];
    }
}
