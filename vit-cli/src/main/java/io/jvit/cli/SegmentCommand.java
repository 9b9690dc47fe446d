package io.jvit.cli;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.io.BadInputException;
import io.jvit.core.io.StagedWrites;
import io.jvit.core.pe.Pe;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Metrics;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./vit segment}: trainable (Weka-style) segmentation. Scribbles in (a label image, 0 = unlabelled,
 * each other grey value a class), phase map out (same grey values). Features: the classical filter bank,
 * a ViT's patch features (PCA, upsampled) or both; classifier XGBoost (default), random forest or logistic.
 */
@Command(name = "segment", mixinStandardHelpOptions = true,
        description = "Train a pixel classifier on scribbles and segment the image (and a folder of others).")
final class SegmentCommand implements Callable<Integer> {

    @Option(names = {"-i", "--image"}, paramLabel = "IMAGE", description = "image to train on and segment (greyscale or RGB, 8/16-bit)")
    Path image;

    @Option(names = {"-l", "--labels"}, paramLabel = "LABELS", description = "scribbles: 0 = unlabelled, each other grey value a class")
    Path labels;

    @Option(names = {"-o", "--out"}, paramLabel = "P.png", description = "label image of IMAGE with the scribbles' grey values")
    Path out;

    @Option(names = "--features", paramLabel = "SET", description = "classical, vit or both (default: both with --weights, else classical)")
    String features;

    @Option(names = {"-w", "--weights"}, paramLabel = "FILE", description = "ViT checkpoint for ViT features")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding of the model (e.g. alibi)")
    String pe;

    @Option(names = "--pca", defaultValue = "9", description = "PCA components of the ViT features (default ${DEFAULT-VALUE}, as the paper)")
    int pca;

    @Option(names = "--classifier", defaultValue = "xgboost", description = "xgboost, rf or logistic (default ${DEFAULT-VALUE})")
    String classifier;

    @Option(names = "--probabilities", paramLabel = "DIR", description = "write one 8-bit probability PNG per class")
    Path probabilities;

    @Option(names = "--ground-truth", paramLabel = "G", description = "dense labels of IMAGE: print per-class IoU, mIoU and accuracy")
    Path groundTruth;

    @Option(names = "--apply-to", paramLabel = "DIR", description = "also segment every image of this folder (into --out's folder)")
    Path applyTo;

    @Option(names = "--save-model", paramLabel = "M.json", description = "save the trained segmenter")
    Path saveModel;

    @Option(names = "--load-model", paramLabel = "M.json", description = "use a saved segmenter instead of training")
    Path loadModel;

    @Option(names = "--seed", defaultValue = "0", description = "classifier seed (default ${DEFAULT-VALUE})")
    long seed;

    @Mixin ThreadsOption threadsOption;
    private int threads;                       // set from threadsOption when the command runs

    @Mixin NonFiniteOption nonFinite;

    /**
     * Everything that can be checked is checked before the first result is computed, and every output (the label
     * image, the probabilities, the saved model, the folder's results) is staged and committed together at the end:
     * a failure at any step leaves no file created and none overwritten.
     */
    @Override
    public Integer call() throws Exception {
        threads = threadsOption.configure();
        if (image == null) throw new IllegalArgumentException("--image is required");
        if (loadModel == null && labels == null) throw new IllegalArgumentException("give --labels to train, or --load-model");
        PixelClassifier.Kind kind = Flags.parse("--classifier", classifier, PixelClassifier.Kind::parse);
        Segmenter.FeatureSet set = features != null ? Flags.parse("--features", features, Segmenter.FeatureSet::parse)
                : weights != null ? Segmenter.FeatureSet.BOTH : Segmenter.FeatureSet.CLASSICAL;
        requireWritable(out, false);
        requireWritable(saveModel, false);
        requireWritable(probabilities, true);
        List<Path> folder = applyTo == null ? List.of() : ImageLoader.listImages(applyTo);
        if (applyTo != null && folder.isEmpty()) throw new BadInputException(applyTo, "no PNG, JPEG or TIFF images in this folder");
        Path folderOut = out != null && out.toAbsolutePath().getParent() != null ? out.toAbsolutePath().getParent() : Path.of(".");
        List<Path> folderTargets = new ArrayList<>();
        for (Path f : folder) {
            ImageLoader.size(f);                                       // every header now, not after an hour of work
            Path target = folderOut.resolve(f.getFileName().toString().replaceFirst("\\.[^.]+$", "") + "_segmented.png");
            if (folderTargets.contains(target) || (out != null && target.toAbsolutePath().equals(out.toAbsolutePath())))
                throw new BadInputException(f, "its result " + target + " would overwrite another output of this command");
            folderTargets.add(target);
        }

        Image img = ImageLoader.read(image);
        FastViT vit = weights == null ? null : new FastViT(Checkpoints.load(weights, Pe.parse(pe), null, nonFinite.allow).model(), threads);
        Segmenter seg = null;
        LabelImage lab = null;
        if (loadModel != null) {
            seg = Segmenter.load(loadModel, threads);
            if (seg.options().features() != Segmenter.FeatureSet.CLASSICAL && vit == null)
                throw new BadInputException(loadModel, "this segmenter uses ViT features; give the same --weights it was trained with");
            if (vit != null && seg.vitChannels() != 0 && seg.vitChannels() != vit.model().config().embedDim())
                throw new BadInputException(loadModel, "its PCA basis was fitted on " + seg.vitChannels() + " ViT channels; --weights "
                        + weights + " gives " + vit.model().config().embedDim());
        } else {
            lab = LabelImage.read(labels);
            lab.requireSize(img.height(), img.width(), labels);
            if (lab.classes().length < 2)
                throw new BadInputException(labels, lab.classes().length == 0 ? "no scribbles (every pixel is 0)"
                        : "one class (grey value " + lab.classes()[0] + "); segmentation needs scribbles of at least two");
        }
        LabelImage truth = null;
        if (groundTruth != null) {
            truth = LabelImage.read(groundTruth);
            truth.requireSize(img.height(), img.width(), groundTruth);
            int[] trained = seg != null ? seg.classValues() : lab.classes();
            for (int c : truth.classes())
                if (java.util.Arrays.binarySearch(trained, c) < 0)
                    throw new BadInputException(groundTruth, "class " + c + " has no scribbles (classes trained: " + java.util.Arrays.toString(trained) + ")");
        }

        long t0 = System.nanoTime();
        if (seg == null) {
            System.err.printf("training %s on %d scribbled pixels, %d classes %s, features %s%n", kind.name().toLowerCase(Locale.ROOT),
                    lab.labelled(), lab.classes().length, java.util.Arrays.toString(lab.classes()), set.name().toLowerCase(Locale.ROOT));
            seg = Segmenter.train(img, lab, new Segmenter.Options(set, kind, pca, threads, seed), vit);
        }
        long t1 = System.nanoTime();
        Segmenter.Result res = seg.apply(img, vit);
        long t2 = System.nanoTime();
        System.err.printf("%d features per pixel; train %.1f s, segment %.1f s (%d×%d)%n", seg.featureCount(), (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                img.width(), img.height());

        try (StagedWrites writes = new StagedWrites()) {
            if (out != null) writeLabels(writes, out, res.labels(), res.height(), res.width());
            if (probabilities != null)
                for (int k = 0; k < res.classValues().length; k++)
                    writeProbability(writes, probabilities.resolve("prob_" + res.classValues()[k] + ".png"), res.probability(k), res.height(), res.width());
            if (saveModel != null) writes.write(saveModel, seg::write);
            for (int i = 0; i < folder.size(); i++) {
                Segmenter.Result r = seg.apply(ImageLoader.read(folder.get(i)), vit);
                writeLabels(writes, folderTargets.get(i), r.labels(), r.height(), r.width());
                System.err.printf("segmented %s → %s%n", folder.get(i), folderTargets.get(i));
            }
            writes.commit();
        }

        System.out.printf("%-8s %9s %12s%n", "class", "fraction", "position R²");
        for (int k = 0; k < res.classValues().length; k++) {
            int v = res.classValues()[k];
            long cnt = java.util.Arrays.stream(res.labels()).filter(x -> x == v).count();
            System.out.printf(Locale.ROOT, "%-8d %9.3f %12.3f%n", v, cnt / (double) res.labels().length,
                    Metrics.positionR2(res.probability(k), res.height(), res.width()));
        }
        if (truth != null) {
            Metrics.Scores s = Metrics.score(res.labels(), truth.values(), truth.classes());
            for (int k = 0; k < s.classes().length; k++) System.out.printf(Locale.ROOT, "IoU class %d: %.4f%n", s.classes()[k], s.iou()[k]);
            System.out.printf(Locale.ROOT, "mIoU %.4f, accuracy %.4f%n", s.meanIou(), s.accuracy());
        }
        return 0;
    }

    /** An output path that cannot be written is refused before any work: a folder where a file goes, or the reverse. */
    private static void requireWritable(Path p, boolean folder) {
        if (p == null) return;
        if (folder ? Files.exists(p) && !Files.isDirectory(p) : Files.isDirectory(p))
            throw new BadInputException(p, folder ? "exists and is not a folder" : "is a folder, not a file");
        Path existing = p.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing != null && (!Files.isDirectory(existing) || !Files.isWritable(existing)))
            throw new BadInputException(p, existing + (Files.isDirectory(existing) ? " is not writable" : " is not a folder"));
    }

    static void writeLabels(StagedWrites writes, Path file, int[] v, int h, int w) throws IOException {
        int max = java.util.Arrays.stream(v).max().orElse(0);
        BufferedImage im = new BufferedImage(w, h, max > 255 ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        var raster = im.getRaster();
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) raster.setSample(x, y, 0, v[y * w + x]);
        writes.write(file, s -> ImageIO.write(im, "png", s));
    }

    static void writeProbability(StagedWrites writes, Path file, float[] p, int h, int w) throws IOException {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        var raster = im.getRaster();
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) raster.setSample(x, y, 0, Math.round(Math.min(1f, Math.max(0f, p[y * w + x])) * 255));
        writes.write(file, s -> ImageIO.write(im, "png", s));
    }
}
