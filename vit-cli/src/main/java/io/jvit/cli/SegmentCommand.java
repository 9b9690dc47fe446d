package io.jvit.cli;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.ImagePages;
import io.jvit.core.io.BadInputException;
import io.jvit.core.io.StagedWrites;
import io.jvit.core.pe.Pe;
import io.jvit.segment.DenseCrf;
import io.jvit.segment.FlatField;
import io.jvit.segment.LabelFiles;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Metrics;
import io.jvit.segment.PixelClassifier;
import io.jvit.segment.Segmenter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vit segment}: trainable (Weka-style) segmentation. Scribbles in (a label image, 0 = unlabelled,
 * each other grey value a class), phase map out (same grey values). Features: the classical filter bank,
 * a ViT's patch features (PCA, upsampled) or both; classifier XGBoost (default), random forest or logistic; then a dense
 * CRF (default on; the paper's kernels with lighter weights and a denoised guide, as measured in docs/segmentation.md).
 */
@Command(
        name = "segment",
        mixinStandardHelpOptions = true,
        description = "Train a pixel classifier on scribbles and segment the image (and a folder of others).")
final class SegmentCommand implements Callable<Integer> {

    @Option(
            names = {"-i", "--image"},
            paramLabel = "IMAGE",
            description =
                    "image to train on and segment (greyscale or RGB, 8/16-bit); without it, --load-model and --apply-to segment a folder only")
    Path image;

    @Option(
            names = {"-l", "--labels"},
            paramLabel = "LABELS",
            description = "scribbles: 0 = unlabelled, each other grey value a class")
    Path labels;

    @Option(
            names = {"-o", "--out"},
            paramLabel = "P.png",
            description =
                    "label image of IMAGE with the scribbles' grey values (without --image: the folder for --apply-to's results)")
    Path out;

    @Option(
            names = "--features",
            paramLabel = "SET",
            description = "classical, vit or both (default: both with --weights, else classical)")
    String features;

    @Option(
            names = {"-w", "--weights"},
            paramLabel = "FILE",
            description = "ViT checkpoint for ViT features")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding of the model (e.g. alibi)")
    String pe;

    @Option(
            names = "--pca",
            defaultValue = "9",
            description = "PCA components of the ViT features (default ${DEFAULT-VALUE}, as the paper)")
    int pca;

    @Option(
            names = "--classifier",
            defaultValue = "xgboost",
            description = "xgboost, rf or logistic (default ${DEFAULT-VALUE})")
    String classifier;

    @Option(
            names = "--vit-shifts",
            defaultValue = "1",
            paramLabel = "S",
            description =
                    "sub-patch ViT features: average S×S crops shifted by patch/S pixels, shifted back (S passes² of the model; default ${DEFAULT-VALUE} = off)")
    int vitShifts;

    @Option(
            names = "--flat-field",
            defaultValue = "" + FlatField.DEFAULT_DEGREE,
            paramLabel = "DEGREE",
            description =
                    "divide the image by a least-squares polynomial surface of this degree before its features, so that uneven illumination does not make the classifier paint by position (0 = off; default ${DEFAULT-VALUE})")
    int flatField;

    @Option(
            names = "--probabilities",
            paramLabel = "DIR",
            description = "write one 8-bit probability map per class, prob_V.png (for a stack: multi-page prob_V.tif)")
    Path probabilities;

    @Option(
            names = "--ground-truth",
            paramLabel = "G",
            description =
                    "dense labels of IMAGE (of a stack: one page per slice, or one for slice --train-page): print per-class IoU, mIoU and accuracy (per slice, and pooled)")
    Path groundTruth;

    @Option(
            names = "--apply-to",
            paramLabel = "DIR",
            description =
                    "also segment every image of this folder into NAME_segmented.png (.tif for a stack) in --out's folder")
    Path applyTo;

    @Option(names = "--save-model", paramLabel = "M.json", description = "save the trained segmenter")
    Path saveModel;

    @Option(names = "--load-model", paramLabel = "M.json", description = "use a saved segmenter instead of training")
    Path loadModel;

    @Option(names = "--seed", defaultValue = "0", description = "classifier seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--class-weights",
            defaultValue = "none",
            paramLabel = "W",
            description =
                    "class weights (n/(K·n_k))^α: none (α = 0, every scribbled pixel weighs 1, default), balanced (α = 1) or a number α in [0, 1]; docs/segmentation.md measures them")
    String classWeights;

    @Option(
            names = "--crf",
            negatable = true,
            defaultValue = "false",
            fallbackValue = "true",
            description =
                    "refine with a dense CRF (mean field on a permutohedral lattice; default off: with the flat field it cost the minority phase, docs/segmentation.md)")
    boolean crf;

    @Option(
            names = "--crf-iterations",
            defaultValue = "10",
            paramLabel = "N",
            description = "mean-field iterations (default ${DEFAULT-VALUE})")
    int crfIterations;

    @Option(
            names = "--crf-sxy",
            defaultValue = "1",
            paramLabel = "PX",
            description = "Gaussian kernel width in pixels (default ${DEFAULT-VALUE})")
    double crfSxy;

    @Option(
            names = "--crf-compat",
            defaultValue = "3",
            paramLabel = "W",
            description = "Gaussian kernel weight, 0 = off (default ${DEFAULT-VALUE}; the paper 10)")
    double crfCompat;

    @Option(
            names = "--crf-bilateral-sxy",
            defaultValue = "30",
            paramLabel = "PX",
            description = "bilateral kernel width in pixels (default ${DEFAULT-VALUE})")
    double crfBilateralSxy;

    @Option(
            names = "--crf-srgb",
            defaultValue = "13",
            paramLabel = "I",
            description =
                    "bilateral kernel width in intensity, 8-bit units for 8- and 16-bit images (default ${DEFAULT-VALUE})")
    double crfSrgb;

    @Option(
            names = "--crf-bilateral-compat",
            defaultValue = "5",
            paramLabel = "W",
            description = "bilateral kernel weight, 0 = off (default ${DEFAULT-VALUE}; the paper 10)")
    double crfBilateralCompat;

    @Option(
            names = "--crf-guide-sigma",
            defaultValue = "1",
            paramLabel = "PX",
            description =
                    "blur the image by this σ before the bilateral kernel compares intensities, 0 = raw image as the paper (default ${DEFAULT-VALUE})")
    double crfGuideSigma;

    @Option(
            names = "--train-page",
            defaultValue = "1",
            paramLabel = "P",
            description =
                    "for a stack (multi-page TIFF) with one page of scribbles: the slice they belong to, 1-based (default ${DEFAULT-VALUE})")
    int trainPage;

    @Option(
            names = "--uncertainty",
            paramLabel = "U.png",
            description =
                    "8-bit map of the classifier's 1 − (p₁ − p₂) (before the CRF): bright where the two likeliest classes are close, where the next scribble helps most (for a stack: a multi-page .tif)")
    Path uncertainty;

    @Option(
            names = {"-v", "--verbose"},
            description = "print the features ranked by their importance to the classifier")
    boolean verbose;

    @Mixin
    ThreadsOption threadsOption;

    private int threads; // set from threadsOption when the command runs

    @Mixin
    NonFiniteOption nonFinite;

    /**
     * Everything that can be checked is checked before the first result is computed, and every output (the label
     * image, the probabilities, the saved model, the folder's results) is staged and committed together at the end:
     * a failure at any step leaves no file created and none overwritten.
     */
    @Spec
    CommandSpec spec;

    private static String flatFieldText(int degree) {
        return degree == 0 ? "no flat field" : "flat field of degree " + degree;
    }

    /** As {@link #flatFieldText(int)}, saying when the image is left as it is (not homogeneous, or too small to judge). */
    private static String flatFieldText(int degree, Image image) {
        if (degree == 0 || FlatField.applies(image, degree)) return flatFieldText(degree);
        return String.format(
                Locale.ROOT,
                "no flat field (the image's grey levels are not evenly mixed: homogeneity %.2f, below %.1f; or it is"
                        + " under 64 px a side)",
                FlatField.homogeneity(image),
                FlatField.MIN_HOMOGENEITY);
    }

    /** The CRF's parameters, checked; a parameter given without --crf is refused rather than silently unused. */
    private DenseCrf.Params crfParams() {
        return new DenseCrf.Params(
                crfSxy, crfCompat, crfBilateralSxy, crfSrgb, crfBilateralCompat, crfIterations, crfGuideSigma);
    }

    private void requireCrfForItsParameters() {
        var parsed = spec.commandLine().getParseResult();
        if (crf || parsed.hasMatchedOption("--crf")) return; // on, or explicitly off (--no-crf)
        for (String name : new String[] {
            "--crf-iterations",
            "--crf-sxy",
            "--crf-compat",
            "--crf-bilateral-sxy",
            "--crf-srgb",
            "--crf-bilateral-compat",
            "--crf-guide-sigma"
        })
            if (parsed.hasMatchedOption(name))
                throw new IllegalArgumentException(
                        name + " is a CRF parameter, and the CRF is off by default: add --crf to refine with it");
    }

    @Override
    public Integer call() throws Exception {
        threads = threadsOption.configure();
        // a saved segmenter applied to a folder alone (as ./vit spark segment does it): no image to train on
        boolean folderOnly = image == null;
        if (folderOnly && (loadModel == null || applyTo == null))
            throw new IllegalArgumentException(
                    "--image is required (or --load-model M.json --apply-to DIR to segment a folder only)");
        if (folderOnly && (groundTruth != null || probabilities != null || uncertainty != null || saveModel != null))
            throw new IllegalArgumentException(
                    "--ground-truth, --probabilities, --uncertainty and --save-model need --image");
        if (loadModel == null && labels == null)
            throw new IllegalArgumentException("give --labels to train, or --load-model");
        PixelClassifier.Kind kind = Flags.parse("--classifier", classifier, PixelClassifier.Kind::parse);
        Segmenter.FeatureSet set = features != null
                ? Flags.parse("--features", features, Segmenter.FeatureSet::parse)
                : weights != null ? Segmenter.FeatureSet.BOTH : Segmenter.FeatureSet.CLASSICAL;
        double classWeightPower = classWeightPower(classWeights);
        if (vitShifts < 1 || vitShifts > 16)
            throw new IllegalArgumentException("--vit-shifts must be 1 to 16, got " + vitShifts);
        if (flatField < 0 || flatField > FlatField.MAX_DEGREE)
            throw new IllegalArgumentException(
                    "--flat-field must be 0 to " + FlatField.MAX_DEGREE + ", got " + flatField);
        requireCrfForItsParameters();
        DenseCrf.Params crfParams = crf ? crfParams() : null;
        requireWritable(out, folderOnly);
        requireWritable(uncertainty, false);
        requireWritable(saveModel, false);
        requireWritable(probabilities, true);
        List<Path> folder = applyTo == null ? List.of() : ImageLoader.listImages(applyTo);
        if (applyTo != null && folder.isEmpty())
            throw new BadInputException(applyTo, "no PNG, JPEG or TIFF images in this folder");
        Path folderOut = folderOnly
                ? (out != null ? out : Path.of("."))
                : out != null && out.toAbsolutePath().getParent() != null
                        ? out.toAbsolutePath().getParent()
                        : Path.of(".");
        List<Path> folderTargets = new ArrayList<>();
        List<List<ImagePages.Page>> folderPages = new ArrayList<>();
        for (Path f : folder) {
            List<ImagePages.Page> fp = ImagePages.list(f); // every header now, not after an hour of work
            LabelFiles.requireOneSize(fp);
            folderPages.add(fp);
            Path target = folderOut.resolve(LabelFiles.targetName(f, fp.size()));
            if (folderTargets.contains(target)
                    || (!folderOnly && out != null && target.toAbsolutePath().equals(out.toAbsolutePath())))
                throw new BadInputException(
                        f, "its result " + target + " would overwrite another output of this command");
            folderTargets.add(target);
        }

        if (folderOnly) {
            FastViT vit = loadVit();
            Segmenter seg = loadSegmenter(vit);
            try (StagedWrites writes = new StagedWrites()) {
                applyToFolder(writes, seg, vit, crfParams, folder, folderPages, folderTargets);
                writes.commit();
            }
            return 0;
        }
        List<ImagePages.Page> pages = ImagePages.list(image);
        if (pages.size() > 1)
            return segmentStack(
                    pages,
                    new Segmenter.Options(set, kind, pca, threads, seed, classWeightPower, vitShifts, flatField),
                    crfParams,
                    folder,
                    folderPages,
                    folderTargets);
        Image img = ImageLoader.read(image);
        FastViT vit = loadVit();
        Segmenter seg = null;
        LabelImage lab = null;
        if (loadModel != null) {
            seg = loadSegmenter(vit);
        } else {
            lab = LabelImage.read(labels);
            lab.requireSize(img.height(), img.width(), labels);
            if (lab.classes().length < 2)
                throw new BadInputException(
                        labels,
                        lab.classes().length == 0
                                ? "no scribbles (every pixel is 0)"
                                : "one class (grey value " + lab.classes()[0]
                                        + "); segmentation needs scribbles of at least two");
        }
        LabelImage truth = null;
        if (groundTruth != null) {
            truth = LabelImage.read(groundTruth);
            truth.requireSize(img.height(), img.width(), groundTruth);
            int[] trained = seg != null ? seg.classValues() : lab.classes();
            for (int c : truth.classes())
                if (java.util.Arrays.binarySearch(trained, c) < 0)
                    throw new BadInputException(
                            groundTruth,
                            "class " + c + " has no scribbles (classes trained: " + java.util.Arrays.toString(trained)
                                    + ")");
        }

        long t0 = System.nanoTime();
        if (seg == null) {
            System.err.printf(
                    "training %s on %d scribbled pixels, %d classes %s, features %s, %s%n",
                    kind.name().toLowerCase(Locale.ROOT),
                    lab.labelled(),
                    lab.classes().length,
                    java.util.Arrays.toString(lab.classes()),
                    set.name().toLowerCase(Locale.ROOT),
                    flatFieldText(flatField, img));
            String few = lab.fewScribbles();
            if (few != null) System.err.println(few);
            seg = Segmenter.train(
                    img,
                    lab,
                    new Segmenter.Options(set, kind, pca, threads, seed, classWeightPower, vitShifts, flatField),
                    vit);
        }
        long t1 = System.nanoTime();
        Segmenter.Result res = seg.apply(img, vit), before = res;
        long t2 = System.nanoTime();
        if (crfParams != null) res = DenseCrf.refine(res, img, crfParams, threads);
        long t3 = System.nanoTime();
        System.err.printf(
                "%d features per pixel; train %.1f s, segment %.1f s%s (%d×%d)%n",
                seg.featureCount(),
                (t1 - t0) / 1e9,
                (t2 - t1) / 1e9,
                crfParams == null ? "" : String.format(Locale.ROOT, ", CRF %.1f s", (t3 - t2) / 1e9),
                img.width(),
                img.height());
        if (verbose) printImportance(seg);

        try (StagedWrites writes = new StagedWrites()) {
            if (out != null) writeLabels(writes, out, res.labels(), res.height(), res.width());
            // the classifier's (the CRF's mean-field marginals are overconfident): where another scribble helps most
            if (uncertainty != null)
                writeProbability(writes, uncertainty, before.uncertainty(), res.height(), res.width());
            if (probabilities != null)
                for (int k = 0; k < res.classValues().length; k++)
                    writeProbability(
                            writes,
                            probabilities.resolve("prob_" + res.classValues()[k] + ".png"),
                            res.probability(k),
                            res.height(),
                            res.width());
            if (saveModel != null) writes.write(saveModel, seg::write);
            applyToFolder(writes, seg, vit, crfParams, folder, folderPages, folderTargets);
            writes.commit();
        }

        System.out.printf("%-8s %9s %12s%n", "class", "fraction", "position R²");
        for (int k = 0; k < res.classValues().length; k++) {
            int v = res.classValues()[k];
            long cnt = java.util.Arrays.stream(res.labels()).filter(x -> x == v).count();
            System.out.printf(
                    Locale.ROOT,
                    "%-8d %9.3f %12.3f%n",
                    v,
                    cnt / (double) res.labels().length,
                    Metrics.positionR2(res.probability(k), res.height(), res.width()));
        }
        if (truth != null) {
            Metrics.Scores s = Metrics.score(res.labels(), truth.values(), truth.classes());
            for (int k = 0; k < s.classes().length; k++)
                System.out.printf(Locale.ROOT, "IoU class %d: %.4f%n", s.classes()[k], s.iou()[k]);
            System.out.printf(Locale.ROOT, "mIoU %.4f, accuracy %.4f%n", s.meanIou(), s.accuracy());
            if (crfParams != null) {
                Metrics.Scores b = Metrics.score(before.labels(), truth.values(), truth.classes());
                StringBuilder per = new StringBuilder();
                for (int k = 0; k < b.classes().length; k++)
                    per.append(String.format(Locale.ROOT, " %d: %.4f", b.classes()[k], b.iou()[k]));
                System.out.printf(
                        Locale.ROOT, "without CRF: mIoU %.4f, accuracy %.4f; IoU%s%n", b.meanIou(), b.accuracy(), per);
            }
        }
        return 0;
    }

    private void applyToFolder(
            StagedWrites writes,
            Segmenter seg,
            FastViT vit,
            DenseCrf.Params crfParams,
            List<Path> folder,
            List<List<ImagePages.Page>> folderPages,
            List<Path> folderTargets)
            throws IOException {
        LabelFiles.Pipeline pipeline = new LabelFiles.Pipeline(seg, vit, crfParams, threads);
        for (int i = 0; i < folder.size(); i++) {
            if (folderPages.get(i).size() > 1) {
                segmentPages(writes, seg, vit, crfParams, folderPages.get(i), folderTargets.get(i), null, null, null);
                continue;
            }
            writes.write(folderTargets.get(i), LabelFiles.writer(pipeline, folderPages.get(i), () -> {}));
            System.err.printf("segmented %s → %s%n", folder.get(i), folderTargets.get(i));
        }
    }

    /**
     * A stack (multi-page TIFF): trained on the scribbles of one slice ({@code --train-page}) or of a label stack with
     * one page per slice, segmented slice by slice (each slice's own features) into a multi-page TIFF, with progress.
     */
    private Integer segmentStack(
            List<ImagePages.Page> pages,
            Segmenter.Options options,
            DenseCrf.Params crfParams,
            List<Path> folder,
            List<List<ImagePages.Page>> folderPages,
            List<Path> folderTargets)
            throws Exception {
        int n = pages.size();
        LabelFiles.requireOneSize(pages);
        if (uncertainty != null && !LabelFiles.tiff(uncertainty))
            throw new BadInputException(
                    image,
                    "is a stack of " + n + " pages, its uncertainty a multi-page TIFF: give --uncertainty a .tif name");
        if (out == null || !LabelFiles.tiff(out))
            throw new BadInputException(
                    image,
                    "is a stack of " + n + " pages, segmented into a multi-page TIFF: give --out with a .tif name");
        ImagePages.Page first = pages.get(0);
        GroundTruthStack truth = null;
        List<Image> trainImages = new ArrayList<>();
        List<LabelImage> trainLabels = new ArrayList<>();
        if (loadModel == null) {
            List<ImagePages.Page> lp = ImagePages.list(labels);
            if (lp.size() != 1 && lp.size() != n)
                throw new BadInputException(
                        labels,
                        "has " + lp.size() + " pages but the stack " + image + " has " + n
                                + ": give one page (the scribbles of slice --train-page) or one page per slice");
            for (ImagePages.Page p : lp)
                if (p.width() != first.width() || p.height() != first.height())
                    throw new BadInputException(
                            labels,
                            (lp.size() == 1 ? "is " : "page " + (p.index() + 1) + " is ") + p.width() + "×" + p.height()
                                    + " but the stack's pages are " + first.width() + "×" + first.height());
            if (lp.size() == 1) {
                if (trainPage < 1 || trainPage > n)
                    throw new IllegalArgumentException("--train-page must be 1 to " + n + ", got " + trainPage);
                trainImages.add(ImagePages.read(pages.get(trainPage - 1)));
                trainLabels.add(LabelImage.read(labels));
            } else {
                for (int i = 0; i < n; i++) {
                    LabelImage l =
                            LabelImage.of(ImagePages.read(lp.get(i)), lp.get(i).describe());
                    if (l.labelled() == 0) continue;
                    trainImages.add(ImagePages.read(pages.get(i)));
                    trainLabels.add(l);
                }
            }
            java.util.TreeSet<Integer> classes = new java.util.TreeSet<>();
            for (LabelImage l : trainLabels) for (int c : l.classes()) classes.add(c);
            if (classes.size() < 2)
                throw new BadInputException(
                        labels,
                        classes.isEmpty()
                                ? "no scribbles (every pixel is 0)"
                                : "one class (grey value " + classes.first()
                                        + "); segmentation needs scribbles of at least two");
            // checked before training: the classes it may hold are the scribbles'
            if (groundTruth != null)
                truth = truthOf(
                        n, first, classes.stream().mapToInt(Integer::intValue).toArray());
        }
        FastViT vit = loadVit();
        Segmenter seg;
        if (loadModel != null) {
            seg = loadSegmenter(vit);
            if (groundTruth != null) truth = truthOf(n, first, seg.classValues());
        } else {
            int scribbled = trainLabels.stream().mapToInt(LabelImage::labelled).sum();
            System.err.printf(
                    "training %s on %d scribbled pixels of %d slice(s) of %s, features %s, %s%n",
                    options.classifier().name().toLowerCase(Locale.ROOT),
                    scribbled,
                    trainImages.size(),
                    image,
                    options.features().name().toLowerCase(Locale.ROOT),
                    flatFieldText(options.flatField()));
            String few = LabelImage.fewScribbles(trainLabels);
            if (few != null) System.err.println(few);
            seg = Segmenter.train(trainImages, trainLabels, options, vit);
            trainImages.clear();
        }
        if (verbose) printImportance(seg);
        try (StagedWrites writes = new StagedWrites()) {
            segmentPages(writes, seg, vit, crfParams, pages, out, uncertainty, probabilities, truth);
            if (saveModel != null) writes.write(saveModel, seg::write);
            applyToFolder(writes, seg, vit, crfParams, folder, folderPages, folderTargets);
            writes.commit();
        }
        if (truth != null) truth.print(crfParams != null);
        return 0;
    }

    /** The stack's ground truth, checked against its {@code n} pages of {@code first}'s size and the trained classes. */
    private GroundTruthStack truthOf(int n, ImagePages.Page first, int[] trained) throws IOException {
        if (trainPage < 1 || trainPage > n)
            throw new IllegalArgumentException("--train-page must be 1 to " + n + ", got " + trainPage);
        return GroundTruthStack.check(groundTruth, n, first.height(), first.width(), trainPage, trained);
    }

    /**
     * Segments every page of a stack, one at a time, into a multi-page TIFF (8-bit, or 16-bit for grey values > 255),
     * and, when asked, the classifier's uncertainty (before the CRF, as for one image) and each class's probability
     * (after it) as 8-bit multi-page TIFFs, and the scores against the ground truth.
     */
    private void segmentPages(
            StagedWrites writes,
            Segmenter seg,
            FastViT vit,
            DenseCrf.Params crfParams,
            List<ImagePages.Page> pages,
            Path target,
            Path uncertaintyTarget,
            Path probabilityFolder,
            GroundTruthStack truth)
            throws IOException {
        int n = pages.size();
        long t0 = System.nanoTime();
        int max = java.util.Arrays.stream(seg.classValues()).max().orElse(0);
        List<StagedStacks.Target> targets = new ArrayList<>();
        targets.add(new StagedStacks.Target(target, max > 255 ? 2 : 1));
        if (uncertaintyTarget != null) targets.add(new StagedStacks.Target(uncertaintyTarget, 1));
        if (probabilityFolder != null)
            for (int v : seg.classValues())
                targets.add(new StagedStacks.Target(probabilityFolder.resolve("prob_" + v + ".tif"), 1));
        int w = pages.get(0).width(), h = pages.get(0).height();
        StagedStacks.write(writes, targets, n, w, h, stacks -> {
            try (me.tongfei.progressbar.ProgressBar bar =
                    Progress.bar("segment " + pages.get(0).file().getFileName(), n)) {
                for (ImagePages.Page page : pages) {
                    Image im = ImagePages.read(page);
                    Segmenter.Result before = seg.apply(im, vit), r = before;
                    if (crfParams != null) r = DenseCrf.refine(r, im, crfParams, threads);
                    int s = 0;
                    stacks.get(s++).add(LabelFiles.labelImage(r.labels(), h, w, max));
                    if (uncertaintyTarget != null) stacks.get(s++).add(probabilityImage(before.uncertainty(), h, w));
                    if (probabilityFolder != null)
                        for (int k = 0; k < r.classValues().length; k++)
                            stacks.get(s++).add(probabilityImage(r.probability(k), h, w));
                    if (truth != null) truth.score(page.index(), r.labels(), before.labels());
                    bar.step();
                }
            }
        });
        double s = (System.nanoTime() - t0) / 1e9;
        System.err.printf(
                Locale.ROOT,
                "segmented %d slices of %d×%d in %.1f s (%.2f s per slice) → %s%n",
                n,
                w,
                h,
                s,
                s / n,
                target);
    }

    /** {@code --class-weights}: none = 0, balanced = 1, or the power α itself. */
    static double classWeightPower(String w) {
        String s = w.trim().toLowerCase(Locale.ROOT);
        if (s.equals("none")) return 0;
        if (s.equals("balanced")) return 1;
        double a;
        try {
            a = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            a = Double.NaN;
        }
        if (!(a >= 0 && a <= 1))
            throw new IllegalArgumentException(
                    "--class-weights must be none, balanced or a power in [0, 1], got '" + w + "'");
        return a;
    }

    /** The features ranked by importance (total gain), with their share of the total. */
    private static void printImportance(Segmenter seg) {
        double[] imp = seg.importance();
        List<String> names = seg.featureNames();
        double total = java.util.Arrays.stream(imp).sum();
        Integer[] order = new Integer[imp.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(imp[b], imp[a]));
        System.out.println("feature importance (total gain, share):");
        for (int r = 0; r < order.length; r++)
            System.out.printf(
                    Locale.ROOT,
                    "%3d %-22s %12.4g %6.1f%%%n",
                    r + 1,
                    names.get(order[r]),
                    imp[order[r]],
                    total > 0 ? 100 * imp[order[r]] / total : 0);
    }

    /** An output path that cannot be written is refused before any work: a folder where a file goes, or the reverse. */
    /** The ViT of --weights (null: classical features only). */
    private FastViT loadVit() {
        return weights == null
                ? null
                : new FastViT(
                        Checkpoints.load(weights, Pe.parse(pe), null, nonFinite.allow)
                                .model(),
                        threads);
    }

    /** The segmenter of --load-model, checked against the ViT it will get its features from. */
    private Segmenter loadSegmenter(FastViT vit) throws IOException {
        Segmenter seg = Segmenter.load(loadModel, threads);
        seg.requireVit(
                loadModel,
                vit == null ? null : weights,
                vit == null ? 0 : vit.model().config().embedDim());
        return seg;
    }

    private static void requireWritable(Path p, boolean folder) {
        if (p == null) return;
        if (folder ? Files.exists(p) && !Files.isDirectory(p) : Files.isDirectory(p))
            throw new BadInputException(p, folder ? "exists and is not a folder" : "is a folder, not a file");
        Path existing = p.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing != null && (!Files.isDirectory(existing) || !Files.isWritable(existing)))
            throw new BadInputException(
                    p, existing + (Files.isDirectory(existing) ? " is not writable" : " is not a folder"));
    }

    static void writeLabels(StagedWrites writes, Path file, int[] v, int h, int w) throws IOException {
        writes.write(file, LabelFiles.png(v, h, w));
    }

    static void writeProbability(StagedWrites writes, Path file, float[] p, int h, int w) throws IOException {
        BufferedImage im = probabilityImage(p, h, w);
        writes.write(file, s -> ImageIO.write(im, "png", s));
    }

    /** A map in [0, 1] as 8-bit grey, 0 → 0 and 1 → 255. */
    static BufferedImage probabilityImage(float[] p, int h, int w) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        var raster = im.getRaster();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                raster.setSample(x, y, 0, Math.round(Math.min(1f, Math.max(0f, p[y * w + x])) * 255));
        return im;
    }
}
