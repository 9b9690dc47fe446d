package io.jvit.core;

import io.jvit.core.io.Npy;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Final-normed patch features of one image, (h, w, C) row-major: {@code data[(row·w + col)·C + channel]}.
 *
 * @param data     h · w · C floats
 * @param h        patch rows
 * @param w        patch columns
 * @param channels C, the model's width
 */
public record Features(float[] data, int h, int w, int channels) {

    public Features {
        if (h < 1 || w < 1 || channels < 1 || (long) h * w * channels != data.length)
            throw new IllegalArgumentException(
                    data.length + " floats are not " + h + " × " + w + " × " + channels + " features");
    }

    /** The feature of a patch in one channel. */
    public float get(int row, int col, int channel) {
        if (row < 0 || row >= h || col < 0 || col >= w || channel < 0 || channel >= channels)
            throw new IndexOutOfBoundsException(
                    "(" + row + ", " + col + ", " + channel + ") is outside " + h + " × " + w + " × " + channels);
        return data[(row * w + col) * channels + channel];
    }

    /** Writes the features as a float32 (h, w, C) {@code .npy}, atomically (NumPy: {@code np.load(file)}). */
    public void writeNpy(Path file) throws IOException {
        Npy.write(file, data, h, w, channels);
    }
}
