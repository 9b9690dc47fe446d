package io.jvit.core.image;

import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Opens a file with the ImageIO reader for its format; every failure becomes a {@link BadInputException} naming it. */
final class ImageReaders {
    private ImageReaders() {}

    interface Task<T> {
        T run(ImageReader r) throws IOException;
    }

    /**
     * Runs {@code task} on the file's reader, disposed afterwards.
     *
     * @param seekForwardOnly true when only the first image is read (pages addressed by index need false)
     * @param ignoreMetadata  true when the metadata (and the warnings it raises) does not matter
     */
    static <T> T with(Path file, boolean seekForwardOnly, boolean ignoreMetadata, Task<T> task) {
        if (!Files.isRegularFile(file)) throw new BadInputException(file, "no such file");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader r = in == null ? null : BigTiff.is(file) ? BigTiff.reader() : BigTiff.jdkReader(in);
            if (r == null)
                throw new BadInputException(file, "not a readable image (PNG, JPEG, TIFF or BigTIFF expected)");
            try {
                r.setInput(in, seekForwardOnly, ignoreMetadata);
                return task.run(r);
            } finally {
                r.dispose();
            }
        } catch (BadInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // a decoder that trips over corrupt data (TwelveMonkeys' LZW on a mutated BigTIFF) says nothing useful
            String why = e instanceof NullPointerException ? "corrupt data" : BadInputException.describe(e);
            throw new BadInputException(file, "cannot decode image (" + why + ")", e);
        }
    }
}
