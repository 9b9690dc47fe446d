package io.jvit.serve;

import io.jvit.core.image.Image;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Segmenter;

/**
 * One uploaded image, its scribbles and its latest segmentation. The id is a random UUID (122 random bits): only the
 * client that uploaded the image knows it, which keeps one user's images from another's. Segmentations of one image
 * run one at a time ({@link #segmenting}); labels and results are swapped whole, so a reader never sees half of one.
 */
final class ImageSession {
    /** A segmentation with the segmenter that made it (for model.json) and the options it was asked with. */
    record Outcome(Segmenter segmenter, Segmenter.Result result, SegmentRequest request, float[] uncertainty) {}

    final String id;
    final String name;
    final Image image;
    final Object segmenting = new Object();
    private volatile LabelImage labels;
    private volatile Outcome outcome;
    private volatile double homogeneity = Double.NaN; // FlatField.homogeneity, computed once (it sorts the pixels)

    /** Whether a flat field of {@code degree} changes this image ({@link io.jvit.segment.FlatField#applies}). */
    boolean flatFielded(int degree) {
        if (Double.isNaN(homogeneity)) homogeneity = io.jvit.segment.FlatField.homogeneity(image);
        return io.jvit.segment.FlatField.applies(degree, homogeneity);
    }

    ImageSession(String id, String name, Image image) {
        this.id = id;
        this.name = name;
        this.image = image;
    }

    private volatile long lastUsed = System.nanoTime();

    /** Marks the image as used now (the server closes the least recently used first). */
    void touch() {
        lastUsed = System.nanoTime();
    }

    long lastUsed() {
        return lastUsed;
    }

    /** The memory this image holds: its pixels, its labels and its latest result (probabilities, labels, uncertainty). */
    long bytes() {
        long n = (long) image.height() * image.width(), b = 4L * image.pixels().length;
        if (labels != null) b += 4 * n;
        Outcome o = outcome;
        if (o != null) b += 4L * o.result().probabilities().length + 8 * n;
        return b;
    }

    LabelImage labels() {
        return labels;
    }

    void labels(LabelImage l) {
        labels = l;
    }

    Outcome outcome() {
        return outcome;
    }

    void outcome(Outcome o) {
        outcome = o;
    }
}
