package io.jvit.core.image;

import java.awt.image.BufferedImage;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes a multi-page TIFF (a stack) page by page, Deflate-compressed: classic TIFF, or BigTIFF when the uncompressed
 * pages could pass classic TIFF's 4 GiB ({@link BigTiff#CLASSIC_LIMIT}), since Deflate's gain on a label or probability
 * map cannot be known in advance. One page in memory at a time.
 */
public final class TiffStackWriter implements Closeable {
    private final ImageWriter writer;
    private final ImageOutputStream out;
    private final ImageWriteParam param;
    private boolean started;

    private TiffStackWriter(OutputStream stream, boolean bigTiff) throws IOException {
        writer = bigTiff ? BigTiff.writer() : BigTiff.jdkWriter();
        out = ImageIO.createImageOutputStream(stream);
        writer.setOutput(out);
        param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionType("Deflate");
    }

    /**
     * A writer for {@code pages} pages of {@code width × height} samples of {@code bytesPerSample} bytes: BigTIFF when
     * their uncompressed size reaches {@link BigTiff#CLASSIC_LIMIT}, else classic TIFF.
     */
    public static TiffStackWriter open(OutputStream stream, long pages, int width, int height, int bytesPerSample)
            throws IOException {
        return new TiffStackWriter(stream, pages * width * height * bytesPerSample >= BigTiff.CLASSIC_LIMIT);
    }

    /** A writer of classic TIFF, or of BigTIFF whatever the size (for tests and for readers that want it). */
    public static TiffStackWriter open(OutputStream stream, boolean bigTiff) throws IOException {
        return new TiffStackWriter(stream, bigTiff);
    }

    /** Appends a page. */
    public void add(BufferedImage page) throws IOException {
        if (!started) {
            writer.prepareWriteSequence(null);
            started = true;
        }
        writer.writeToSequence(new IIOImage(page, null, null), param);
    }

    /** Ends the sequence and flushes; the underlying stream stays open (its owner closes it). */
    @Override
    public void close() throws IOException {
        try {
            if (started) writer.endWriteSequence();
            out.flush();
        } finally {
            writer.dispose();
            out.close();
        }
    }
}
