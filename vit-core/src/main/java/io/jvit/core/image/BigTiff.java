package io.jvit.core.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;

/**
 * BigTIFF, TIFF with 64-bit offsets (stacks over 4 GB), read and written with TwelveMonkeys' TIFF plugin. Only BigTIFF
 * goes there: classic TIFF, PNG and JPEG stay on the JDK's own readers and writers, whose behaviour on bad input (the
 * checks of {@link ImageLoader} and {@link TiffChecks}, pinned by the fuzz suite) does not change because a jar on the
 * class path registered readers that ImageIO would otherwise prefer.
 */
public final class BigTiff {
    private BigTiff() {}

    /** Classic TIFF addresses at most 4 GiB; an output that may reach this size is written as BigTIFF. */
    public static final long CLASSIC_LIMIT = 1L << 32;

    /** Whether the file starts with a BigTIFF header ("II" 43 0 or "MM" 0 43). */
    static boolean is(Path file) {
        byte[] h = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(h, 0, 4) < 4) return false;
        } catch (IOException e) {
            return false; // the reader that follows reports it, naming the file
        }
        return (h[0] == 'I' && h[1] == 'I' && h[2] == 43 && h[3] == 0)
                || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && h[3] == 43);
    }

    /** TwelveMonkeys' BigTIFF reader. */
    static ImageReader reader() throws IOException {
        return new com.twelvemonkeys.imageio.plugins.tiff.BigTIFFImageReaderSpi().createReaderInstance(null);
    }

    /** The reader for a file that is not BigTIFF: the first of ImageIO's that is not a TwelveMonkeys one, or null. */
    static ImageReader jdkReader(ImageInputStream in) {
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        while (it.hasNext()) {
            ImageReader r = it.next();
            if (!fromTwelveMonkeys(r)) return r;
        }
        return null;
    }

    /** TwelveMonkeys' BigTIFF writer. */
    static ImageWriter writer() throws IOException {
        return new com.twelvemonkeys.imageio.plugins.tiff.BigTIFFImageWriterSpi().createWriterInstance(null);
    }

    /** The JDK's TIFF writer (classic TIFF), not the one TwelveMonkeys registers. */
    static ImageWriter jdkWriter() {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("tiff");
        while (it.hasNext()) {
            ImageWriter w = it.next();
            if (!fromTwelveMonkeys(w)) return w;
        }
        throw new IllegalStateException("the JDK's TIFF writer is missing");
    }

    private static boolean fromTwelveMonkeys(Object readerOrWriter) {
        return readerOrWriter.getClass().getName().startsWith("com.twelvemonkeys.");
    }
}
