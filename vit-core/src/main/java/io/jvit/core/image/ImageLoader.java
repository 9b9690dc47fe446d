package io.jvit.core.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Reads PNG, JPEG and TIFF (8- and 16-bit greyscale, RGB; alpha dropped) with the JDK's ImageIO
 * (TIFF support is built in since JDK 9). Samples are scaled to [0, 1] by the format's full range
 * (255 or 65535), so a 16-bit micrograph keeps its precision.
 */
public final class ImageLoader {
    private ImageLoader() {}

    /** The PNG, JPEG and TIFF files of a folder (by extension), sorted by name; refuses a missing folder. */
    public static java.util.List<Path> listImages(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException(folder + ": no such folder");
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.(png|jpe?g|tiff?)$"))
                    .sorted().toList();
        }
    }

    public static Image read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file");
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext())
                throw new IOException(file + ": not a readable image (PNG, JPEG or TIFF expected)");
            ImageReader r = readers.next();
            try {
                r.setInput(in);
                img = r.read(0);
            } catch (IOException | RuntimeException e) {
                throw new IOException(file + ": cannot decode image (" + e.getMessage() + ")", e);
            } finally {
                r.dispose();
            }
        }
        return fromBuffered(img);
    }

    public static Image fromBuffered(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int colourBands = cm.getNumColorComponents();
        if (cm instanceof ComponentColorModel && (colourBands == 1 || colourBands == 3)) {
            int bits = cm.getComponentSize(0);
            double max = (1L << bits) - 1;
            float[] p = new float[colourBands * h * w];
            int[] row = new int[w];
            for (int c = 0; c < colourBands; c++)
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, c, row);
                    for (int x = 0; x < w; x++) p[c * h * w + y * w + x] = (float) ((row[x] & 0xffffffffL) / max);
                }
            return new Image(p, colourBands, h, w, bits);
        }
        // Packed or indexed colour: go through sRGB ints.
        boolean grey = colourBands == 1;
        float[] p = new float[(grey ? 1 : 3) * h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y), i = y * w + x;
                if (grey) p[i] = (argb & 0xff) / 255f;
                else {
                    p[i] = ((argb >> 16) & 0xff) / 255f;
                    p[h * w + i] = ((argb >> 8) & 0xff) / 255f;
                    p[2 * h * w + i] = (argb & 0xff) / 255f;
                }
            }
        return new Image(p, grey ? 1 : 3, h, w, 8);
    }
}
