package io.jvit.core.image;

import io.jvit.core.util.Resampler;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns images into model input (B, 3, H, W): size policy, then ImageNet normalisation
 * (mean 0.485/0.456/0.406, std 0.229/0.224/0.225). Greyscale is replicated to 3 channels.
 */
public final class Preprocessor {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public enum ResizePolicy {
        /** No resampling: crop bottom and right to a multiple of the patch size (what the patch convolution drops anyway). */
        NONE,
        /** Resize to the closest lower multiple of the patch size, bilinear with antialiasing (torchvision/PIL). */
        CLOSEST_LOWER_MULTIPLE
    }

    private final int patchSize;
    private final ResizePolicy policy;

    public Preprocessor(int patchSize, ResizePolicy policy) {
        this.patchSize = patchSize;
        this.policy = policy;
    }

    /** The (3, H', W') RGB image after the size policy, values still in [0, 1]. */
    public Image fit(Image image) {
        Image rgb = image.toRgb();
        int h = rgb.height() / patchSize * patchSize, w = rgb.width() / patchSize * patchSize;
        if (h == 0 || w == 0)
            throw new IllegalArgumentException("image is " + rgb.width() + "×" + rgb.height() + " px, smaller than one "
                    + patchSize + "×" + patchSize + " patch");
        if (h == rgb.height() && w == rgb.width()) return rgb;
        float[] out;
        if (policy == ResizePolicy.NONE) {
            out = new float[3 * h * w];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    System.arraycopy(
                            rgb.pixels(), c * rgb.height() * rgb.width() + y * rgb.width(), out, c * h * w + y * w, w);
        } else {
            out = Resampler.apply(
                    rgb.pixels(),
                    3,
                    rgb.height(),
                    rgb.width(),
                    Resampler.antialiased(rgb.height(), h, Resampler.Filter.BILINEAR),
                    Resampler.antialiased(rgb.width(), w, Resampler.Filter.BILINEAR));
        }
        return new Image(out, 3, h, w, rgb.bitDepth());
    }

    /** One image as a (1, 3, H, W) normalised tensor. */
    public INDArray tensor(Image image) {
        return batch(List.of(image));
    }

    /** Same-sized images as a (B, 3, H, W) normalised tensor. */
    public INDArray batch(List<Image> images) {
        Pixels p = pixels(images);
        return Nd4j.create(p.data(), new long[] {images.size(), 3, p.height(), p.width()}, 'c');
    }

    /** Normalised pixels (B, 3, H, W), row-major, as the engines take them. */
    public record Pixels(float[] data, int batch, int height, int width) {}

    /** {@link #batch} as a float array (no ND4J). */
    public Pixels pixels(List<Image> images) {
        Image first = fit(images.get(0));
        int h = first.height(), w = first.width(), plane = h * w;
        float[] data = new float[images.size() * 3 * plane];
        for (int b = 0; b < images.size(); b++) {
            Image im = b == 0 ? first : fit(images.get(b));
            if (im.height() != h || im.width() != w)
                throw new IllegalArgumentException("images in a batch must have the same size: " + w + "×" + h + " vs "
                        + im.width() + "×" + im.height());
            for (int c = 0; c < 3; c++) {
                float mean = IMAGENET_MEAN[c], std = IMAGENET_STD[c];
                int src = c * plane, dst = (b * 3 + c) * plane;
                for (int i = 0; i < plane; i++) data[dst + i] = (im.pixels()[src + i] - mean) / std;
            }
        }
        return new Pixels(data, images.size(), h, w);
    }
}
