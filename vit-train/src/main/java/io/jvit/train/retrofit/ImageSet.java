package io.jvit.train.retrofit;

import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.BadInputException;
import io.jvit.core.util.Resampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A folder of training images: split once (seeded) into training and held-out validation files; each
 * image is resized so its short side is {@code size} (antialiased bilinear, as torchvision) and centre-cropped
 * to size × size, then ImageNet-normalised. Files that cannot be decoded are skipped and counted, not fatal:
 * a scraped folder always has a few; but a folder with fewer than two readable images (by their headers, all read
 * when the set is made) is a {@link BadInputException}.
 */
public final class ImageSet {
    private final List<Path> train, validation;
    private final int size;
    private final Path folder;
    private int skipped;

    public ImageSet(Path folder, int size, double valFraction, long seed) throws IOException {
        if (size < 1) throw new IllegalArgumentException("image size must be positive, got " + size);
        this.folder = folder;
        List<Path> listed = ImageLoader.listImages(folder);
        // every header read now, before a long run: a folder of files that are not images fails here, not as NaN losses
        List<Path> files = new ArrayList<>();
        BadInputException first = null;
        for (Path f : listed) {
            try {
                ImageLoader.size(f);
                files.add(f);
            } catch (BadInputException e) {
                if (first == null) first = e;
                skipped++;
            }
        }
        if (files.size() < 2)
            throw new BadInputException(
                    folder,
                    "needs at least 2 readable images (training + validation), found " + files.size()
                            + (listed.isEmpty() ? "" : " of " + listed.size())
                            + (first == null ? "" : "; " + first.getMessage()));
        Collections.shuffle(files, new Random(seed));
        int nVal = Math.max(1, (int) Math.round(valFraction * files.size()));
        if (nVal >= files.size()) nVal = files.size() - 1;
        validation = List.copyOf(files.subList(0, nVal));
        train = List.copyOf(files.subList(nVal, files.size()));
        this.size = size;
    }

    public List<Path> train() {
        return train;
    }

    public List<Path> validation() {
        return validation;
    }

    public int skipped() {
        return skipped;
    }

    public Path folder() {
        return folder;
    }

    /** The files of epoch {@code epoch} in their training order (seeded, so a resumed run sees the same order). */
    public List<Path> epochOrder(int epoch, long seed) {
        List<Path> order = new ArrayList<>(train);
        Collections.shuffle(order, new Random(seed * 31 + epoch));
        return order;
    }

    /** A normalised (B, 3, size, size) batch of the readable files among {@code files}; null if none could be read. */
    public INDArray batch(List<Path> files) {
        Read r = read(files);
        return r.images().isEmpty() ? null : new Preprocessor(1, Preprocessor.ResizePolicy.NONE).batch(r.images());
    }

    /** {@link #batch} as float arrays (no ND4J): what the fast engine trains on. */
    public Preprocessor.Pixels pixels(List<Path> files) {
        return load(files).pixels();
    }

    /** A batch as float arrays and the files it holds (those that could be read), in order; pixels null if none. */
    public record Loaded(Preprocessor.Pixels pixels, List<Path> files) {}

    /** As {@link #pixels}, with the files that went into it (their precomputed teacher targets go with them). */
    public Loaded load(List<Path> files) {
        Read r = read(files);
        if (r.images().isEmpty()) return new Loaded(null, List.of());
        return new Loaded(new Preprocessor(1, Preprocessor.ResizePolicy.NONE).pixels(r.images()), r.files());
    }

    private record Read(List<Image> images, List<Path> files) {}

    /** The readable files among {@code files}, squared; the others counted as skipped. */
    private Read read(List<Path> files) {
        List<Image> images = new ArrayList<>();
        List<Path> read = new ArrayList<>();
        for (Path f : files) {
            try {
                images.add(square(ImageLoader.read(f).toRgb(), size));
                read.add(f);
            } catch (IOException | RuntimeException e) {
                skipped++;
            }
        }
        return new Read(images, read);
    }

    /** Short side to {@code size}, then the centre size × size crop. */
    static Image square(Image im, int size) {
        double s = (double) size / Math.min(im.height(), im.width());
        int h = Math.max(size, (int) Math.round(im.height() * s)), w = Math.max(size, (int) Math.round(im.width() * s));
        float[] r = Resampler.apply(
                im.pixels(),
                im.channels(),
                im.height(),
                im.width(),
                Resampler.antialiased(im.height(), h, Resampler.Filter.BILINEAR),
                Resampler.antialiased(im.width(), w, Resampler.Filter.BILINEAR));
        int y0 = (h - size) / 2, x0 = (w - size) / 2;
        float[] out = new float[im.channels() * size * size];
        for (int c = 0; c < im.channels(); c++)
            for (int y = 0; y < size; y++)
                System.arraycopy(r, (c * h + y0 + y) * w + x0, out, (c * size + y) * size, size);
        return new Image(out, im.channels(), size, size, im.bitDepth());
    }
}
