package io.jvit.cli;

import io.jvit.core.image.ImagePages;
import io.jvit.core.io.BadInputException;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Metrics;
import io.jvit.segment.PooledScores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The dense ground truth of a stack: one page per slice, or one page for the slice {@code --train-page}. Checked
 * whole before any work (page count, sizes, classes the segmenter knows); then each slice's labels are scored as they
 * are segmented, per slice and pooled over the stack ({@link PooledScores}), with and without the CRF.
 */
final class GroundTruthStack {
    private final List<ImagePages.Page> pages;
    private final int onlySlice; // the slice of a one-page truth, else −1
    private final PooledScores pooled, pooledBefore;
    private final List<String> perSlice = new ArrayList<>();

    private GroundTruthStack(List<ImagePages.Page> pages, int onlySlice, int[] classes) {
        this.pages = pages;
        this.onlySlice = onlySlice;
        pooled = new PooledScores(classes);
        pooledBefore = new PooledScores(classes);
    }

    /**
     * Reads every page of {@code file} once to check it against the stack; refuses, naming the file, a page count other
     * than 1 or the stack's, another size, or a class the segmenter was not trained on.
     *
     * @param trainPage 1-based slice of a one-page truth
     */
    static GroundTruthStack check(Path file, int slices, int height, int width, int trainPage, int[] trained)
            throws IOException {
        List<ImagePages.Page> gp = ImagePages.list(file);
        if (gp.size() != 1 && gp.size() != slices)
            throw new BadInputException(
                    file,
                    "has " + gp.size() + " pages but the stack has " + slices
                            + ": give one page (the truth of slice --train-page) or one page per slice");
        for (ImagePages.Page p : gp)
            if (p.width() != width || p.height() != height)
                throw new BadInputException(
                        file,
                        (gp.size() == 1 ? "is " : "page " + (p.index() + 1) + " is ") + p.width() + "×" + p.height()
                                + " but the stack's pages are " + width + "×" + height);
        TreeSet<Integer> classes = new TreeSet<>();
        for (ImagePages.Page p : gp) {
            LabelImage t = LabelImage.of(ImagePages.read(p), p.describe());
            for (int c : t.classes()) {
                if (Arrays.binarySearch(trained, c) < 0)
                    throw new BadInputException(
                            file,
                            (gp.size() == 1 ? "" : "page " + (p.index() + 1) + ": ") + "class " + c
                                    + " has no scribbles (classes trained: " + Arrays.toString(trained) + ")");
                classes.add(c);
            }
        }
        return new GroundTruthStack(
                gp,
                gp.size() == 1 ? trainPage - 1 : -1,
                classes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Scores slice {@code slice} (0-based): its labels after and before the CRF (the same array without CRF). */
    void score(int slice, int[] labels, int[] beforeCrf) throws IOException {
        if (onlySlice >= 0 && slice != onlySlice) return;
        ImagePages.Page p = pages.get(onlySlice >= 0 ? 0 : slice);
        LabelImage t = LabelImage.of(ImagePages.read(p), p.describe());
        if (t.labelled() == 0) return; // a slice without truth
        pooled.add(labels, t.values());
        pooledBefore.add(beforeCrf, t.values());
        Metrics.Scores s = Metrics.score(labels, t.values(), t.classes());
        perSlice.add(String.format(
                Locale.ROOT, "slice %d: mIoU %.4f, accuracy %.4f;%s", slice + 1, s.meanIou(), s.accuracy(), ious(s)));
    }

    /** Per-slice lines, then the pooled per-class IoU, mIoU and accuracy (and without the CRF), as for one image. */
    void print(boolean crf) {
        for (String line : perSlice) System.out.println(line);
        Metrics.Scores s = pooled.scores();
        for (int k = 0; k < s.classes().length; k++)
            System.out.printf(Locale.ROOT, "IoU class %d: %.4f%n", s.classes()[k], s.iou()[k]);
        System.out.printf(
                Locale.ROOT,
                "mIoU %.4f, accuracy %.4f (%d slice%s pooled)%n",
                s.meanIou(),
                s.accuracy(),
                perSlice.size(),
                perSlice.size() == 1 ? "" : "s");
        if (crf) {
            Metrics.Scores b = pooledBefore.scores();
            System.out.printf(
                    Locale.ROOT, "without CRF: mIoU %.4f, accuracy %.4f; IoU%s%n", b.meanIou(), b.accuracy(), ious(b));
        }
    }

    private static String ious(Metrics.Scores s) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < s.classes().length; k++)
            b.append(String.format(Locale.ROOT, " %d: %.4f", s.classes()[k], s.iou()[k]));
        return b.toString();
    }
}
