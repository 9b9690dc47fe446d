package io.jvit.core.image;

/**
 * A decoded image as planar floats in [0, 1]: {@code pixels[c·h·w + y·w + x]}, channels 1 (grey) or 3 (RGB).
 *
 * @param bitDepth bits per sample in the file (8 or 16), kept for reporting
 */
public record Image(float[] pixels, int channels, int height, int width, int bitDepth) {
    public Image {
        if (pixels.length != channels * height * width)
            throw new IllegalArgumentException("pixel count does not match " + channels + "×" + height + "×" + width);
    }

    /** The image with 3 channels (grey replicated, as DINOv2 users do with micrographs). */
    public Image toRgb() {
        if (channels == 3) return this;
        float[] p = new float[3 * height * width];
        for (int c = 0; c < 3; c++) System.arraycopy(pixels, 0, p, c * height * width, height * width);
        return new Image(p, 3, height, width, bitDepth);
    }

    /** Luminance (ITU-R 601, as PIL's 'L' mode) for RGB; grey images unchanged. */
    public Image toGrey() {
        if (channels == 1) return this;
        int n = height * width;
        float[] p = new float[n];
        for (int i = 0; i < n; i++) p[i] = 0.299f * pixels[i] + 0.587f * pixels[n + i] + 0.114f * pixels[2 * n + i];
        return new Image(p, 1, height, width, bitDepth);
    }
}
