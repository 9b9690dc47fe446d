package io.jvit.serve;

import io.jvit.core.image.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** The PNGs the API sends: labels (as {@code ./vit segment} writes them), 8-bit maps and the image for display. */
final class Pngs {
    private Pngs() {}

    /** Grey values as stored: 8-bit while they fit, else 16-bit (as the command's label images). */
    static byte[] labels(int[] v, int h, int w) {
        return encode(labelImage(v, h, w), "png");
    }

    /** The same label image as a TIFF (what Fiji and ilastik users often keep). */
    static byte[] labelsTiff(int[] v, int h, int w) {
        return encode(labelImage(v, h, w), "tiff");
    }

    private static BufferedImage labelImage(int[] v, int h, int w) {
        int max = java.util.Arrays.stream(v).max().orElse(0);
        BufferedImage im =
                new BufferedImage(w, h, max > 255 ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setPixels(0, 0, w, h, v);
        return im;
    }

    /** Values in [0, 1] as 8-bit grey (as the command's probability maps). */
    static byte[] unit(float[] p, int h, int w) {
        int[] g = new int[p.length];
        for (int i = 0; i < p.length; i++) g[i] = Math.round(Math.min(1f, Math.max(0f, p[i])) * 255);
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setPixels(0, 0, w, h, g);
        return encode(im);
    }

    /**
     * The image as the browser shows it: 8-bit grey or RGB, stretched from its darkest to its brightest value, since
     * a 16-bit micrograph often fills a small part of its range and would look black.
     */
    static byte[] display(Image img) {
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : img.pixels()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float scale = hi > lo ? 255f / (hi - lo) : 0;
        int h = img.height(), w = img.width(), n = h * w, c = img.channels();
        BufferedImage im =
                new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        int[] px = new int[n * c];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++) px[i * c + k] = Math.round((img.pixels()[k * n + i] - lo) * scale);
        im.getRaster().setPixels(0, 0, w, h, px);
        return encode(im);
    }

    private static byte[] encode(BufferedImage im) {
        return encode(im, "png");
    }

    private static byte[] encode(BufferedImage im, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(im, format, out)) throw new IOException("no ImageIO writer for " + format);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
