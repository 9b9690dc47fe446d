package io.jvit.core.image;

import io.jvit.core.io.BadInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageReader;

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
            return s.filter(p -> p.getFileName()
                            .toString()
                            .toLowerCase(java.util.Locale.ROOT)
                            .matches(".*\\.(png|jpe?g|tiff?)$"))
                    .sorted()
                    .toList();
        }
    }

    /**
     * Most pixels an image may declare: 2^28 (16384²), about 1 GB as RGB floats. A header that claims more is refused
     * before the decoder allocates its raster; {@code -Djvit.image.maxPixels=N} raises it.
     */
    /**
     * Decoder warnings that mean the pixels are not the file's (the JPEG decoder finishes a truncated or corrupt
     * stream with grey and only warns); other warnings (about metadata, e.g. a JFIF marker out of place) are ignored.
     */
    private static final java.util.regex.Pattern DATA_WARNING =
            java.util.regex.Pattern.compile("(?i)premature|corrupt|truncat|missing|huffman|bad |invalid|unexpected");

    public static final long MAX_PIXELS = Long.getLong("jvit.image.maxPixels", 1L << 28);

    /**
     * Reads the first image of a PNG, JPEG or TIFF file.
     *
     * @throws BadInputException for every problem with the file (missing, not an image, a size beyond
     *         {@link #MAX_PIXELS}, strips or tiles beyond the end of the file, corrupt or truncated data, which the
     *         JPEG decoder would otherwise fill with grey and report only as a warning), with a message naming the
     *         file. ({@code IOException} stays in the signature for the callers written against it; it is not thrown.)
     */
    public static Image read(Path file) throws IOException {
        return (Image) open(file, true);
    }

    /**
     * The height and width of the first image of a file, from its header, with every check of {@link #read} that
     * needs no decoding: cheap enough to vet a whole folder before a long job starts.
     *
     * @throws BadInputException as {@link #read}
     */
    public static int[] size(Path file) {
        return (int[]) open(file, false);
    }

    /** The decoded image, or (without {@code decode}) its {height, width}; every failure a {@link BadInputException}. */
    private static Object open(Path file, boolean decode) {
        return ImageReaders.with(file, true, false, r -> {
            List<String> warnings = new ArrayList<>();
            r.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            long w = r.getWidth(0), h = r.getHeight(0);
            if (w < 1 || h < 1 || w * h > MAX_PIXELS)
                throw new BadInputException(
                        file,
                        "declares " + w + "×" + h + " pixels"
                                + (w * h > MAX_PIXELS
                                        ? ", over the limit of " + MAX_PIXELS + " (-Djvit.image.maxPixels)"
                                        : ""));
            requireDecodable(file, r, 0, w * h);
            TiffChecks.requireWithin(file, r, 0, Files.size(file));
            if (!decode) return new int[] {(int) h, (int) w};
            BufferedImage img = r.read(0);
            for (String warning : warnings) // e.g. "Premature end of JPEG file": the rest is grey
            if (DATA_WARNING.matcher(warning).find())
                    throw new BadInputException(file, "corrupt or truncated image: " + warning);
            return fromBuffered(img);
        });
    }

    /**
     * Refuses an image whose decoded raster and float copy would need more than half the heap: a corrupt or hostile
     * header cannot make the decoder allocate what the JVM does not have.
     */
    static void requireDecodable(Path file, ImageReader r, int index, long pixels) throws IOException {
        javax.imageio.ImageTypeSpecifier type = r.getRawImageType(index);
        int bands = 4, bytesPerSample = 1;
        if (type != null) {
            var sm = type.getSampleModel(1, 1);
            bands = sm.getNumBands();
            bytesPerSample = Math.max(1, java.awt.image.DataBuffer.getDataTypeSize(sm.getDataType()) / 8);
        }
        long need = pixels * bands * (bytesPerSample + 4L);
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap / 2)
            throw new BadInputException(
                    file,
                    String.format(
                            java.util.Locale.ROOT,
                            "%d×%d pixels need %.0f MB to decode, more than half the %.0f MB heap (raise -Xmx)",
                            r.getWidth(index),
                            r.getHeight(index),
                            need / 1048576.0,
                            heap / 1048576.0));
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
