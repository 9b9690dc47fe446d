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

    ImageSession(String id, String name, Image image) {
        this.id = id;
        this.name = name;
        this.image = image;
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

    /**
     * 1 − (p₁ − p₂), the margin between the two likeliest classes (as ilastik's uncertainty): 0 where the classifier is
     * sure, 1 where the two likeliest classes tie.
     */
    static float[] uncertainty(Segmenter.Result r) {
        int n = r.height() * r.width(), k = r.classValues().length;
        float[] p = r.probabilities(), u = new float[n];
        for (int i = 0; i < n; i++) {
            float a = -1, b = -1;
            for (int c = 0; c < k; c++) {
                float v = p[c * n + i];
                if (v > a) {
                    b = a;
                    a = v;
                } else if (v > b) b = v;
            }
            u[i] = 1 - (a - Math.max(b, 0));
        }
        return u;
    }
}
