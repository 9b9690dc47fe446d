package io.jvit.train.retrofit;

import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.BadInputException;
import io.jvit.core.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A teacher's final-normed patch tokens computed ahead (by {@code ./vit spark targets}, one {@code <stem>.npy} of shape
 * (grid, grid, C) per image), read by a retrofit instead of running the teacher ({@code ./vit retrofit --targets DIR}).
 * {@link #input} is the exact batch the retrofit feeds the teacher for an image, so the tokens computed from it are the
 * ones the teacher would give during training.
 */
public final class TeacherTargets {
    private final Path dir;

    public TeacherTargets(Path dir) {
        if (!Files.isDirectory(dir)) throw new BadInputException(dir, "not a folder of teacher targets");
        this.dir = dir;
    }

    /** The (1, 3, side, side) pixels of {@code image} as a retrofit at {@code size} feeds them to the teacher. */
    public static Preprocessor.Pixels input(Path image, int size, int side) throws IOException {
        Preprocessor.Pixels b = new Preprocessor(1, Preprocessor.ResizePolicy.NONE)
                .pixels(List.of(ImageSet.square(ImageLoader.read(image).toRgb(), size)));
        return Retrofit.cropToGrid(b, side);
    }

    /** The targets file of an image: {@code <stem>.npy}. */
    public static String fileName(Path image) {
        return image.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ".npy";
    }

    /** The tokens of {@code images}, in order, as one (B, grid, grid, C) row-major array; each file is checked. */
    public float[] of(List<Path> images, int grid, int channels) {
        int each = grid * grid * channels;
        float[] all = new float[images.size() * each];
        for (int i = 0; i < images.size(); i++) {
            Path f = dir.resolve(fileName(images.get(i)));
            if (!Files.isRegularFile(f))
                throw new BadInputException(
                        f, "no teacher targets for " + images.get(i) + " (run ./vit spark targets)");
            Npy.Floats a = Npy.readFloats(f);
            long[] s = a.shape();
            if (s.length != 3 || s[0] != grid || s[1] != grid || s[2] != channels)
                throw new BadInputException(
                        f,
                        "targets of shape " + java.util.Arrays.toString(s) + ", this retrofit needs (" + grid + ", "
                                + grid + ", " + channels + "): computed at another --size or by another teacher?");
            System.arraycopy(a.data(), 0, all, i * each, each);
        }
        return all;
    }
}
