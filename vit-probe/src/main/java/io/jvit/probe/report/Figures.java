package io.jvit.probe.report;

import io.jvit.core.image.Image;
import io.jvit.core.io.AtomicFiles;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.Fingerprint;
import io.jvit.probe.Pca;
import io.jvit.probe.Ramp;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The bias report's pictures, drawn with the JDK alone: ramp predictions beside their targets, the
 * fingerprint heatmap, and the 3-component PCA of the features beside the input image.
 */
public final class Figures {
    private Figures() {}

    private static final int CELL = 8; // pixels per patch token in the maps
    private static final int TITLE = 22; // title band height

    /**
     * Targets (left) and the probe's predictions on every token (right), one row per ramp output, on a
     * shared [0, 1] viridis scale. {@code prediction[output][token]}, {@code target[token][output]}.
     */
    public static BufferedImage rampPrediction(
            Ramp ramp, double[][] target, double[][] prediction, int h, int w, double r2) {
        int k = ramp.outputs(), pw = w * CELL, ph = h * CELL, gap = 10;
        BufferedImage im = canvas(2 * pw + 3 * gap, k * (ph + TITLE + gap) + gap);
        Graphics2D g = graphics(im);
        String[] names = ramp == Ramp.LR_UD ? new String[] {"lr", "ud"} : new String[] {ramp.key};
        for (int o = 0; o < k; o++) {
            int y0 = gap + o * (ph + TITLE + gap);
            double[] t = new double[h * w];
            for (int i = 0; i < t.length; i++) t[i] = target[i][o];
            paintMap(im, t, h, w, gap, y0 + TITLE, 0, 1);
            paintMap(im, prediction[o], h, w, 2 * gap + pw, y0 + TITLE, 0, 1);
            text(g, names[o] + " target", gap, y0 + 15);
            text(g, String.format("prediction, R² %.3f", r2), 2 * gap + pw, y0 + 15); // R² of all outputs together
        }
        g.dispose();
        return im;
    }

    /** Layers (rows) × channels (columns) heatmap of per-channel R² on the paper's [0, 0.5] scale, with a colour bar. */
    public static BufferedImage fingerprint(Fingerprint fp, int topK) {
        int layers = fp.layers().size(), c = fp.channels();
        int cw = Math.max(1, 1200 / c), rh = 18, left = 70, top = 28, bar = 14;
        int width = left + c * cw + 20, height = top + layers * rh + 60;
        BufferedImage im = canvas(width, height);
        for (int l = 0; l < layers; l++)
            for (int ch = 0; ch < c; ch++) {
                int rgb = Colormap.viridis(fp.r2()[l][ch] / 0.5);
                for (int y = 0; y < rh - 1; y++)
                    for (int x = 0; x < cw; x++) im.setRGB(left + ch * cw + x, top + l * rh + y, rgb);
            }
        int barY = top + layers * rh + 8;
        for (int x = 0; x < c * cw; x++) {
            int rgb = Colormap.viridis(x / (double) (c * cw - 1));
            for (int y = 0; y < bar; y++) im.setRGB(left + x, barY + y, rgb);
        }
        Graphics2D g = graphics(im);
        text(
                g,
                String.format(
                        "positional fingerprint: per-channel R² (%s ramp), mean of %d probes",
                        fp.ramp().key, fp.probes()),
                left,
                18);
        for (int l = 0; l < layers; l++) text(g, fp.layers().get(l), 4, top + l * rh + 13);
        text(g, "0", left, barY + bar + 14);
        text(g, "≥ 0.5", left + c * cw - 30, barY + bar + 14);
        int[] best = fp.topChannels(layers - 1, topK);
        StringBuilder sb = new StringBuilder("top channels (" + fp.layers().get(layers - 1) + "):");
        for (int b : best) sb.append(' ').append(b);
        text(g, sb.toString(), left + 60, barY + bar + 14);
        g.dispose();
        return im;
    }

    /** One row per image: the input (left) and its features' first 3 principal components as RGB (right). */
    public static BufferedImage pca(
            List<Image> images, List<FeatureMap> features, List<String> names, boolean standardise) {
        int n = images.size(), side = 256, gap = 10;
        BufferedImage im = canvas(2 * side + 3 * gap, n * (side + TITLE + gap) + gap);
        Graphics2D g = graphics(im);
        for (int r = 0; r < n; r++) {
            int y0 = gap + r * (side + TITLE + gap);
            Image src = images.get(r).toRgb();
            FeatureMap f = features.get(r);
            double[][] pc = Pca.components(f, Math.min(3, f.c()), standardise);
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++) {
                    int sy = y * src.height() / side, sx = x * src.width() / side, plane = src.height() * src.width();
                    int rgb = 0;
                    for (int ch = 0; ch < 3; ch++)
                        rgb = (rgb << 8) | to8(src.pixels()[ch * plane + sy * src.width() + sx]);
                    im.setRGB(gap + x, y0 + TITLE + y, rgb);
                    double[] t = pc[(y * f.h() / side) * f.w() + x * f.w() / side];
                    int p = 0;
                    for (int ch = 0; ch < 3; ch++) p = (p << 8) | to8(t[Math.min(ch, t.length - 1)]);
                    im.setRGB(2 * gap + side + x, y0 + TITLE + y, p);
                }
            text(g, names.get(r), gap, y0 + 15);
            text(g, "PCA 1-3 of the features", 2 * gap + side, y0 + 15);
        }
        g.dispose();
        return im;
    }

    /** Writes a PNG atomically. */
    public static void writePng(BufferedImage im, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(im, "png", out)) throw new IOException("no PNG writer in this JDK");
        });
    }

    private static void paintMap(BufferedImage im, double[] v, int h, int w, int x0, int y0, double lo, double hi) {
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int rgb = Colormap.viridis((v[i * w + j] - lo) / (hi - lo));
                for (int y = 0; y < CELL; y++)
                    for (int x = 0; x < CELL; x++) im.setRGB(x0 + j * CELL + x, y0 + i * CELL + y, rgb);
            }
    }

    private static int to8(double v) {
        return (int) Math.round(Math.min(1, Math.max(0, v)) * 255);
    }

    private static BufferedImage canvas(int w, int h) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = im.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return im;
    }

    private static Graphics2D graphics(BufferedImage im) {
        Graphics2D g = im.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return g;
    }

    /** Labels are a courtesy: a JDK without fonts still gets the picture. */
    private static void text(Graphics2D g, String s, int x, int y) {
        try {
            g.drawString(s, x, y);
        } catch (RuntimeException | Error e) {
            // headless JDK without fontconfig: leave the label out
        }
    }
}
