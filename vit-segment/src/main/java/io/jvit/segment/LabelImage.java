package io.jvit.segment;

import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.io.BadInputException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A label image: one integer grey value per pixel, 0 = unlabelled, every other value a class.
 *
 * @param values grey values per pixel, row-major
 */
public record LabelImage(int[] values, int height, int width) {

    /**
     * Reads a label image file (PNG or TIFF, 8- or 16-bit greyscale).
     *
     * @throws BadInputException for every problem with the file (as {@link ImageLoader#read}, and colour or values
     *         that are not whole grey levels), with a message naming the file
     */
    public static LabelImage read(Path file) {
        Image im;
        try {
            im = ImageLoader.read(file);
        } catch (java.io.IOException e) { // not thrown by ImageLoader; kept for its signature
            throw new BadInputException(file, BadInputException.describe(e), e);
        }
        try {
            return of(im, file.toString());
        } catch (IllegalArgumentException e) {
            String prefix = file + ": ";
            String m = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            throw new BadInputException(file, m, e);
        }
    }

    /** From a decoded greyscale image (8- or 16-bit); refuses RGB and values that are not whole grey levels. */
    public static LabelImage of(Image im, String name) {
        if (im.channels() != 1)
            throw new IllegalArgumentException(
                    name + ": a label image must be greyscale, this one has " + im.channels() + " channels");
        double max = im.bitDepth() == 16 ? 65535 : 255;
        int[] v = new int[im.pixels().length];
        for (int i = 0; i < v.length; i++) {
            double g = im.pixels()[i] * max;
            v[i] = (int) Math.round(g);
            if (Math.abs(g - v[i]) > 1e-3)
                throw new IllegalArgumentException(name + ": pixel " + i + " is not a whole grey level (" + g + ")");
        }
        return new LabelImage(v, im.height(), im.width());
    }

    /** The distinct non-zero values, ascending: the classes. */
    public int[] classes() {
        TreeSet<Integer> s = new TreeSet<>();
        for (int x : values) if (x != 0) s.add(x);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Scribbled pixels per class, in the order of {@link #classes()}. */
    public int[] counts() {
        int[] c = classes(), n = new int[c.length];
        for (int x : values) if (x != 0) n[Arrays.binarySearch(c, x)]++;
        return n;
    }

    /**
     * A warning for the classes with fewer than {@link #FEW} scribbled pixels, or null. On the generated three-phase
     * micrographs (docs/segmentation.md) a minority with 13 scribbled pixels was missed by every classifier setting
     * (IoU 0.03 after the CRF), while 57–97 pixels found it (IoU 0.49–0.66).
     */
    public String fewScribbles() {
        return fewScribbles(List.of(this));
    }

    /** {@link #fewScribbles()} with each class's pixels counted over all the label images (a stack's slices). */
    public static String fewScribbles(List<LabelImage> labels) {
        TreeMap<Integer, Integer> count = new TreeMap<>();
        for (LabelImage l : labels) for (int x : l.values) if (x != 0) count.merge(x, 1, Integer::sum);
        StringBuilder few = new StringBuilder();
        count.forEach((c, n) -> {
            if (n < FEW)
                few.append(few.length() == 0 ? "" : ", ")
                        .append("class ")
                        .append(c)
                        .append(" has ")
                        .append(n);
        });
        if (few.length() == 0) return null;
        return "warning: " + few + " scribbled pixel(s): a classifier may miss such a class; scribble more of it (where"
                + " --uncertainty is bright), and leave --crf off: it smooths small regions away";
    }

    /** Fewer scribbled pixels than this in a class get {@link #fewScribbles()}'s warning. */
    public static final int FEW = 50;

    public int labelled() {
        return (int) Arrays.stream(values).filter(x -> x != 0).count();
    }

    public void requireSize(int h, int w, String what) {
        if (h != height || w != width)
            throw new IllegalArgumentException(
                    what + " is " + width + "×" + height + " but the image is " + w + "×" + h);
    }

    /** As {@link #requireSize(int, int, String)}, for labels read from {@code file}: the error is the file's. */
    public void requireSize(int h, int w, Path file) {
        if (h != height || w != width)
            throw new BadInputException(file, "is " + width + "×" + height + " but the image is " + w + "×" + h);
    }
}
