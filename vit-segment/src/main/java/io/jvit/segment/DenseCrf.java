package io.jvit.segment;

import io.jvit.core.image.Image;
import io.jvit.core.util.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * The fully connected CRF of Krähenbühl and Koltun (2011) as the paper uses it (pydensecrf {@code DenseCRF2D}, digest
 * e.3): unary −log p (p clipped at 1e-5), Potts compatibility, a Gaussian kernel on position (sxy 1, compat 10) and a
 * bilateral kernel on position and intensity (sxy 30, srgb 13, compat 10), both symmetrically normalised, and mean-field
 * inference (10 iterations), each iteration O(N) through the {@link PermutohedralLattice} (the narrow position-only
 * Gaussian kernel is filtered exactly and separably on the pixel grid, which is cheaper there and has no lattice error).
 * <p>
 * Intensities enter in 8-bit units whatever the file's depth ({@code srgb} 13 means 13/255 of full scale for 8- and
 * 16-bit images alike); grey images have one intensity feature, RGB three. Results are bit-identical for any thread count.
 */
public final class DenseCrf {
    private DenseCrf() {}

    /**
     * The kernels and iterations; {@link #PAPER} is the paper's setting.
     *
     * @param guideSigma when > 0, the bilateral kernel compares intensities of the image blurred with this σ (pixels)
     *                   rather than of the raw image, whose shot noise otherwise exceeds a narrow srgb (0 = raw, as pydensecrf)
     */
    public record Params(
            double gaussianSxy,
            double gaussianCompat,
            double bilateralSxy,
            double bilateralSrgb,
            double bilateralCompat,
            int iterations,
            double guideSigma) {
        public static final Params PAPER = new Params(1, 10, 30, 13, 10, 10, 0);

        /**
         * {@code ./vit segment}'s and {@code ./vit serve}'s default: the paper's kernels with compat 3 and 5 and a σ 1
         * guide (the paper's compat 10 erases small particles: docs/segmentation.md).
         */
        public static final Params DEFAULT = new Params(1, 3, 30, 13, 5, 10, 1);

        /** With the raw image as guide. */
        public Params(
                double gaussianSxy,
                double gaussianCompat,
                double bilateralSxy,
                double bilateralSrgb,
                double bilateralCompat,
                int iterations) {
            this(gaussianSxy, gaussianCompat, bilateralSxy, bilateralSrgb, bilateralCompat, iterations, 0);
        }

        public Params {
            if (!(gaussianSxy > 0) || !(bilateralSxy > 0) || !(bilateralSrgb > 0))
                throw new IllegalArgumentException("CRF kernel widths must be > 0, got sxy " + gaussianSxy + ", "
                        + bilateralSxy + ", srgb " + bilateralSrgb);
            if (!(gaussianCompat >= 0)
                    || !(bilateralCompat >= 0)
                    || Double.isInfinite(gaussianCompat)
                    || Double.isInfinite(bilateralCompat))
                throw new IllegalArgumentException(
                        "CRF compatibilities must be finite and >= 0, got " + gaussianCompat + ", " + bilateralCompat);
            if (iterations < 0) throw new IllegalArgumentException("CRF iterations must be >= 0, got " + iterations);
            if (!(guideSigma >= 0) || guideSigma > 100)
                throw new IllegalArgumentException("CRF guide σ must be 0 to 100 pixels, got " + guideSigma);
        }
    }

    /** A pairwise term: a Gaussian filter (unnormalised, the point itself included) and its Potts weight. */
    interface Filter {
        void apply(float[] in, float[] out, int m, int threads);
    }

    record Kernel(Filter filter, float weight, float[] norm) {}

    /** Refines a segmentation: the marginals after mean field, and their argmax as labels. */
    public static Segmenter.Result refine(Segmenter.Result r, Image image, Params p, int threads) {
        if (image.height() != r.height() || image.width() != r.width())
            throw new IllegalArgumentException("the image is " + image.width() + "×" + image.height()
                    + ", the probabilities " + r.width() + "×" + r.height());
        int k = r.classValues().length, n = r.height() * r.width();
        float[] q = infer(r.probabilities(), k, image, p, threads);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) if (q[c * n + i] > q[best * n + i]) best = c;
            labels[i] = r.classValues()[best];
        }
        return new Segmenter.Result(q, labels, r.classValues(), r.height(), r.width());
    }

    /** Mean-field marginals ((classes × pixels), class-major, as {@link Segmenter.Result}) from per-class probabilities. */
    public static float[] infer(float[] probabilities, int classes, Image image, Params p, int threads) {
        int n = image.height() * image.width();
        if (probabilities.length != classes * n)
            throw new IllegalArgumentException("probabilities must be classes × pixels");
        float[] unary = new float[n * classes]; // pixel-major
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < n; i++)
                unary[i * classes + c] = (float) -Math.log(Math.max(1e-5f, probabilities[c * n + i]));
        List<Kernel> kernels = new ArrayList<>();
        if (p.gaussianCompat() > 0)
            kernels.add(kernel(filter(image, p.gaussianSxy(), 0), (float) p.gaussianCompat(), n, threads));
        if (p.bilateralCompat() > 0)
            kernels.add(kernel(
                    filter(guide(image, p.guideSigma(), threads), p.bilateralSxy(), p.bilateralSrgb()),
                    (float) p.bilateralCompat(),
                    n,
                    threads));
        float[] q = meanField(unary, n, classes, kernels, p.iterations(), threads);
        float[] out = new float[classes * n];
        for (int c = 0; c < classes; c++) for (int i = 0; i < n; i++) out[c * n + i] = q[i * classes + c];
        return out;
    }

    /** The image with each channel blurred by σ (as the filter bank's Gaussian); σ = 0: the image itself. */
    static Image guide(Image image, double sigma, int threads) {
        if (sigma <= 0) return image;
        int h = image.height(), w = image.width(), n = h * w;
        float[] px = new float[image.pixels().length];
        for (int c = 0; c < image.channels(); c++)
            System.arraycopy(
                    FilterBank.gaussian(
                            java.util.Arrays.copyOfRange(image.pixels(), c * n, (c + 1) * n), h, w, sigma, threads),
                    0,
                    px,
                    c * n,
                    n);
        return new Image(px, image.channels(), h, w, image.bitDepth());
    }

    /** Position-only kernels this narrow are filtered exactly (separably, on the pixel grid) instead of on a lattice. */
    static final double SEPARABLE_MAX_SXY = 4;

    /**
     * The kernel exp(−|Δxy|²/2sxy² − |ΔI|²/2srgb²) (srgb ≤ 0: position only) as a filter: the permutohedral lattice,
     * or for a narrow position-only kernel (sxy ≤ {@value #SEPARABLE_MAX_SXY}, as the paper's sxy 1) the exact
     * separable Gaussian, which is both cheaper and exact there.
     */
    static Filter filter(Image image, double sxy, double srgb) {
        if (srgb <= 0 && sxy <= SEPARABLE_MAX_SXY) return separable(image.height(), image.width(), sxy);
        return lattice(image, sxy, srgb);
    }

    /** Exact Gaussian exp(−Δ²/2σ²) over the pixel grid, truncated at 5σ (relative weight 4e-6), no padding. */
    static Filter separable(int h, int w, double sigma) {
        int r = (int) Math.ceil(5 * sigma);
        float[] k = new float[2 * r + 1];
        for (int t = -r; t <= r; t++) k[t + r] = (float) Math.exp(-0.5 * t * t / (sigma * sigma));
        return (in, out, m, threads) -> {
            float[] rows = new float[in.length];
            int wm = w * m;
            Parallel.forRange(h, threads, (wk, from, to) -> { // along x: rows[j] += k_t · in[j + t·m], contiguous
                for (int y = from; y < to; y++) {
                    int base = y * wm;
                    for (int t = -r; t <= r; t++) {
                        float kt = k[t + r];
                        int j0 = Math.max(0, -t) * m, j1 = Math.min(w, w - t) * m, sh = t * m;
                        for (int j = j0; j < j1; j++) rows[base + j] += kt * in[base + j + sh];
                    }
                }
            });
            Parallel.forRange(h, threads, (wk, from, to) -> { // along y: whole rows at a time
                for (int y = from; y < to; y++) {
                    int base = y * wm;
                    java.util.Arrays.fill(out, base, base + wm, 0f);
                    for (int t = Math.max(-r, -y), te = Math.min(r, h - 1 - y); t <= te; t++) {
                        float kt = k[t + r];
                        int src = base + t * wm;
                        for (int j = 0; j < wm; j++) out[base + j] += kt * rows[src + j];
                    }
                }
            });
        };
    }

    /** A lattice over (x/sxy, y/sxy) and, when srgb > 0, the intensities (8-bit units) / srgb. */
    static Filter lattice(Image image, double sxy, double srgb) {
        int h = image.height(), w = image.width(), n = h * w;
        int ch = srgb > 0 ? image.channels() : 0, d = 2 + ch;
        float[] f = new float[n * d];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                f[i * d] = (float) (x / sxy);
                f[i * d + 1] = (float) (y / sxy);
                for (int c = 0; c < ch; c++) f[i * d + 2 + c] = (float) (image.pixels()[c * n + i] * 255.0 / srgb);
            }
        PermutohedralLattice l = new PermutohedralLattice(f, n, d);
        return l::filter;
    }

    /** Symmetric normalisation: norm_i = 1/√(K·1)_i. */
    static Kernel kernel(Filter f, float weight, int n, int threads) {
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        float[] norm = new float[n];
        f.apply(ones, norm, 1, threads);
        for (int i = 0; i < n; i++) norm[i] = (float) (1.0 / Math.sqrt(norm[i] + 1e-20));
        return new Kernel(f, weight, norm);
    }

    /**
     * Mean field (pydensecrf's {@code inference}): Q = softmax(−U); each iteration
     * Q ← softmax(−U + Σ_k w_k · n_k ⊙ K_k(n_k ⊙ Q)). Pixel-major (n × m) in and out.
     */
    static float[] meanField(float[] unary, int n, int m, List<Kernel> kernels, int iterations, int threads) {
        float[] q = new float[n * m], tmp = new float[n * m], msg = new float[n * m], nq = new float[n * m];
        softmax(unary, null, 0, q, n, m, threads);
        for (int it = 0; it < iterations; it++) {
            java.util.Arrays.fill(tmp, 0f);
            for (Kernel k : kernels) {
                float[] nrm = k.norm();
                Parallel.forRange(n, threads, (w, from, to) -> {
                    for (int i = from; i < to; i++) for (int c = 0; c < m; c++) nq[i * m + c] = q[i * m + c] * nrm[i];
                });
                k.filter().apply(nq, msg, m, threads);
                float wt = k.weight();
                Parallel.forRange(n, threads, (w, from, to) -> {
                    for (int i = from; i < to; i++)
                        for (int c = 0; c < m; c++) tmp[i * m + c] += wt * nrm[i] * msg[i * m + c];
                });
            }
            softmax(unary, tmp, 1, q, n, m, threads);
        }
        return q;
    }

    /** q_i = softmax(−u_i + s·t_i) per pixel. */
    private static void softmax(float[] u, float[] t, float s, float[] q, int n, int m, int threads) {
        Parallel.forRange(n, threads, (w, from, to) -> {
            float[] e = new float[m];
            for (int i = from; i < to; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < m; c++) {
                    e[c] = -u[i * m + c] + (t == null ? 0 : s * t[i * m + c]);
                    max = Math.max(max, e[c]);
                }
                float sum = 0;
                for (int c = 0; c < m; c++) sum += e[c] = (float) Math.exp(e[c] - max);
                for (int c = 0; c < m; c++) q[i * m + c] = e[c] / sum;
            }
        });
    }
}
