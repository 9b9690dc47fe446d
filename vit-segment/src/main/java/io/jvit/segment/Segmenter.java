package io.jvit.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.PcaBasis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;

/**
 * Trainable (Weka-style) segmentation: per-pixel features (the classical filter bank, upsampled PCA of a
 * ViT's patch features, or both), a classifier trained on the scribbled pixels only, and per-class
 * probability maps for every pixel. A trained segmenter is applied to further images with the same
 * feature recipe (the ViT PCA basis is the training image's) and saved as one JSON file.
 */
public final class Segmenter {

    public enum FeatureSet {
        CLASSICAL,
        VIT,
        BOTH;

        public static FeatureSet parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("features must be classical, vit or both, got '" + s + "'");
            }
        }

        boolean vit() {
            return this != CLASSICAL;
        }

        boolean classical() {
            return this != VIT;
        }
    }

    /**
     * @param pcaComponents ViT PCA components (paper: 9)
     * @param classWeightPower class weights (n / (K · n_k))^α ({@link ClassWeights}): 0 every scribbled pixel weighs 1,
     *                      1 fully balanced
     * @param vitShifts     sub-patch ViT features: s > 1 averages the upsampled features of s × s crops shifted by
     *                      multiples of patch/s pixels, each shifted back (HR-Dv2, the paper's {@code translate_featurise});
     *                      1 = one pass (default)
     * @param flatField     the degree of the {@link FlatField} surface the image is divided by before its features are
     *                      computed (0: none; {@code ./vit segment}'s default {@link FlatField#DEFAULT_DEGREE})
     */
    public record Options(
            FeatureSet features,
            PixelClassifier.Kind classifier,
            int pcaComponents,
            int threads,
            long seed,
            double classWeightPower,
            int vitShifts,
            int flatField) {
        public Options {
            if (!(classWeightPower >= 0 && classWeightPower <= 1))
                throw new IllegalArgumentException("class weight power must be in [0, 1], got " + classWeightPower);
            if (pcaComponents < 1)
                throw new IllegalArgumentException("PCA components must be >= 1, got " + pcaComponents);
            if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
            if (vitShifts < 1 || vitShifts > 16)
                throw new IllegalArgumentException("ViT shifts must be 1 to 16 per axis, got " + vitShifts);
            FlatField.check(flatField);
        }

        /**
         * {@code ./vit segment}'s defaults: XGBoost, 9 PCA components, seed 0, unweighted, one ViT pass, flat-fielded
         * with a surface of degree {@link FlatField#DEFAULT_DEGREE}.
         */
        public static Options defaults(FeatureSet features, int threads) {
            return new Options(features, PixelClassifier.Kind.XGBOOST, 9, threads, 0, 0.0, 1, FlatField.DEFAULT_DEGREE);
        }

        /** These options with another flat-field degree (0: none). */
        public Options withFlatField(int degree) {
            return new Options(features, classifier, pcaComponents, threads, seed, classWeightPower, vitShifts, degree);
        }

        /** One ViT pass, no flat field (the recipe before issue 15). */
        public Options(
                FeatureSet features,
                PixelClassifier.Kind classifier,
                int pcaComponents,
                int threads,
                long seed,
                boolean balanced) {
            this(features, classifier, pcaComponents, threads, seed, balanced ? 1.0 : 0.0, 1, 0);
        }

        /** Class-balanced, one ViT pass, no flat field (the recipe before issue 15). */
        public Options(
                FeatureSet features, PixelClassifier.Kind classifier, int pcaComponents, int threads, long seed) {
            this(features, classifier, pcaComponents, threads, seed, 1.0, 1, 0);
        }
    }

    /** Per-class probabilities ((classes × pixels), row-major by class) and the label image of the argmax. */
    public record Result(float[] probabilities, int[] labels, int[] classValues, int height, int width) {
        public float[] probability(int k) {
            int n = height * width;
            return java.util.Arrays.copyOfRange(probabilities, k * n, (k + 1) * n);
        }

        /**
         * Per-pixel uncertainty as 1 − (p₁ − p₂), the complement of the margin between the two most probable classes:
         * 0 where one class is certain, 1 where the top two tie (where the next scribble helps most).
         */
        public float[] uncertainty() {
            int n = height * width, k = classValues.length;
            float[] u = new float[n];
            for (int i = 0; i < n; i++) {
                float a = Float.NEGATIVE_INFINITY, b = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    float v = probabilities[c * n + i];
                    if (v > a) {
                        b = a;
                        a = v;
                    } else if (v > b) b = v;
                }
                u[i] = Math.min(1f, Math.max(0f, 1f - (a - b)));
            }
            return u;
        }
    }

    private final Options options;
    private final PixelClassifier classifier;
    private final int[] classValues;
    private final PcaBasis pca;
    private final int featureCount;
    private Image cachedImage; // the training image's features, reused once by apply()
    private Features cachedFeatures;

    private Segmenter(Options options, PixelClassifier classifier, int[] classValues, PcaBasis pca, int featureCount) {
        this.options = options;
        this.classifier = classifier;
        this.classValues = classValues;
        this.pca = pca;
        this.featureCount = featureCount;
    }

    public Options options() {
        return options;
    }

    public int[] classValues() {
        return classValues.clone();
    }

    public int featureCount() {
        return featureCount;
    }

    /** The names of the features, in order: the filter bank's 58, then {@code vit_pca_1} … */
    public java.util.List<String> featureNames() {
        java.util.List<String> names =
                new java.util.ArrayList<>(options.features().classical() ? FilterBank.names() : java.util.List.of());
        if (options.features().vit()) for (int i = 1; i <= options.pcaComponents(); i++) names.add("vit_pca_" + i);
        return names;
    }

    /** Each feature's importance to the classifier ({@link PixelClassifier#importance()}), in {@link #featureNames()} order. */
    public double[] importance() {
        return classifier.importance();
    }

    /** Trains on the labelled pixels of {@code labels} (same size as the image). {@code vit} is needed for ViT features. */
    public static Segmenter train(Image image, LabelImage labels, Options o, FastViT vit) {
        requireScribbles(image, labels); // before the features: a bad label image costs nothing
        return train(prepare(image, o, vit), labels, o);
    }

    /**
     * An image's per-pixel features for one recipe (feature set, PCA components, model): computed once by
     * {@link #prepare} and shared, read-only, by every retraining on the same image (an interactive session retrains
     * after each stroke). {@code train(prepare(image, o, vit), labels, o)} equals {@code train(image, labels, o, vit)}.
     */
    public static final class Prepared {
        private final Image image;
        private final FeatureSet set;
        private final int pcaComponents, vitShifts, flatField;
        private final PcaBasis basis;
        private final Features features;

        private Prepared(
                Image image,
                FeatureSet set,
                int pcaComponents,
                int vitShifts,
                int flatField,
                PcaBasis basis,
                Features features) {
            this.image = image;
            this.set = set;
            this.pcaComponents = pcaComponents;
            this.vitShifts = vitShifts;
            this.flatField = flatField;
            this.basis = basis;
            this.features = features;
        }

        public Image image() {
            return image;
        }

        public int featureCount() {
            return features.count;
        }
        /** The memory the features hold (the image itself not counted). */
        public long bytes() {
            return 4L * features.rows.length;
        }
    }

    /** The features {@link #train} computes for {@code image} with the options' feature set and PCA components. */
    public static Prepared prepare(Image image, Options o, FastViT vit) {
        PcaBasis basis = null;
        FeatureMap patches = null;
        Image flat = FlatField.apply(image, o.flatField());
        if (o.features().vit()) {
            patches = patchFeatures(flat, vit);
            basis = PcaBasis.fit(patches, o.pcaComponents());
        }
        return new Prepared(
                image,
                o.features(),
                o.pcaComponents(),
                o.vitShifts(),
                o.flatField(),
                basis,
                features(flat, o, vit, basis, patches));
    }

    /** Trains on features computed by {@link #prepare} with the same feature set and PCA components as {@code o}. */
    public static Segmenter train(Prepared prepared, LabelImage labels, Options o) {
        if (prepared.set != o.features()
                || prepared.pcaComponents != o.pcaComponents()
                || prepared.vitShifts != o.vitShifts()
                || prepared.flatField != o.flatField())
            throw new IllegalArgumentException("features prepared as " + prepared.set + " with "
                    + prepared.pcaComponents + " PCA components, " + prepared.vitShifts
                    + " ViT shifts and flat field " + prepared.flatField + ", the options ask for " + o.features()
                    + " with " + o.pcaComponents() + ", " + o.vitShifts() + " and " + o.flatField());
        Image image = prepared.image;
        requireScribbles(image, labels);
        int[] classes = labels.classes();
        Features f = prepared.features;
        int n = labels.labelled();
        float[] x = new float[n * f.count];
        int[] y = new int[n];
        int r = 0;
        for (int p = 0; p < labels.values().length; p++) {
            int v = labels.values()[p];
            if (v == 0) continue;
            System.arraycopy(f.rows, p * f.count, x, r * f.count, f.count);
            y[r++] = java.util.Arrays.binarySearch(classes, v);
        }
        PixelClassifier clf = PixelClassifier.train(
                o.classifier(), x, n, f.count, y, classes.length, o.threads(), o.seed(), o.classWeightPower());
        Segmenter s = new Segmenter(o, clf, classes, prepared.basis, f.count);
        s.cachedImage = image;
        s.cachedFeatures = f;
        return s;
    }

    /**
     * Trains on the scribbles of several images (the slices of a stack): each image's own features, the labelled pixels
     * of all of them pooled. The ViT PCA basis is fitted on the first image's patches. One image: {@link #train(Image,
     * LabelImage, Options, FastViT)}.
     */
    public static Segmenter train(
            java.util.List<Image> images, java.util.List<LabelImage> labels, Options o, FastViT vit) {
        if (images.isEmpty() || images.size() != labels.size())
            throw new IllegalArgumentException(
                    "give one label image per image, got " + labels.size() + " for " + images.size());
        if (images.size() == 1) return train(images.get(0), labels.get(0), o, vit);
        java.util.TreeSet<Integer> all = new java.util.TreeSet<>();
        for (int i = 0; i < images.size(); i++) {
            labels.get(i).requireSize(images.get(i).height(), images.get(i).width(), "label image " + (i + 1));
            for (int c : labels.get(i).classes()) all.add(c);
        }
        int[] classes = all.stream().mapToInt(Integer::intValue).toArray();
        if (classes.length < 2)
            throw new IllegalArgumentException("the label images have " + classes.length
                    + " class(es); segmentation needs scribbles of at least two");
        PcaBasis basis = null;
        FeatureMap first = null;
        Image firstFlat = null;
        if (o.features().vit()) {
            firstFlat = FlatField.apply(images.get(0), o.flatField());
            first = patchFeatures(firstFlat, vit);
            basis = PcaBasis.fit(first, o.pcaComponents());
        }
        int total = 0;
        for (LabelImage l : labels) total += l.labelled();
        float[] x = null;
        int[] y = new int[total];
        int r = 0, count = 0;
        for (int i = 0; i < images.size(); i++) {
            LabelImage l = labels.get(i);
            if (l.labelled() == 0) continue;
            Image flat = i == 0 && firstFlat != null ? firstFlat : FlatField.apply(images.get(i), o.flatField());
            Features f = features(flat, o, vit, basis, i == 0 ? first : null);
            if (x == null) {
                count = f.count;
                x = new float[total * count];
            }
            for (int p = 0; p < l.values().length; p++) {
                int v = l.values()[p];
                if (v == 0) continue;
                System.arraycopy(f.rows, p * f.count, x, r * f.count, f.count);
                y[r++] = java.util.Arrays.binarySearch(classes, v);
            }
        }
        PixelClassifier clf = PixelClassifier.train(
                o.classifier(), x, total, count, y, classes.length, o.threads(), o.seed(), o.classWeightPower());
        return new Segmenter(o, clf, classes, basis, count);
    }

    private static void requireScribbles(Image image, LabelImage labels) {
        labels.requireSize(image.height(), image.width(), "the label image");
        int[] classes = labels.classes();
        if (classes.length == 0)
            throw new IllegalArgumentException("the label image has no scribbles (every pixel is 0)");
        if (classes.length == 1)
            throw new IllegalArgumentException("the label image has one class (grey value " + classes[0]
                    + "); segmentation needs scribbles of at least two");
    }

    /** Segments an image (of any size) with the trained classifier. */
    public Result apply(Image image, FastViT vit) {
        Features f = image == cachedImage
                ? cachedFeatures
                : features(FlatField.apply(image, options.flatField()), options, vit, pca, null);
        cachedImage = null;
        cachedFeatures = null;
        if (f.count != featureCount)
            throw new IllegalStateException("feature count " + f.count + " differs from training's " + featureCount);
        int n = image.height() * image.width(), k = classValues.length;
        float[] p = classifier.predict(f.rows, n);
        float[] byClass = new float[k * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 0; c < k; c++) {
                byClass[c * n + i] = p[i * k + c];
                if (p[i * k + c] > p[i * k + best]) best = c;
            }
            labels[i] = classValues[best];
        }
        return new Result(byClass, labels, classValues.clone(), image.height(), image.width());
    }

    private record Features(float[] rows, int count) {}

    /**
     * (pixels × F) row-major: classical channels then ViT PCA channels of {@code image}, already flat-fielded as the
     * options say (by the caller, once: the ViT's {@code patches}, when given, are of the same flat-fielded image).
     */
    private static Features features(Image image, Options o, FastViT vit, PcaBasis basis, FeatureMap patches) {
        int h = image.height(), w = image.width(), n = h * w;
        float[][] channels = o.features().classical() ? FilterBank.compute(image, o.threads()) : new float[0][];
        float[] vitUp = null;
        int k = 0;
        if (o.features().vit()) {
            FeatureMap fm = patches != null ? patches : patchFeatures(image, vit);
            k = basis.k();
            vitUp = upsample(basis.project(fm), fm.h(), fm.w(), k, h, w);
            if (o.vitShifts() > 1) vitUp = shifted(image, vit, basis, vitUp, o.vitShifts());
        }
        int count = channels.length + k;
        float[] rows = new float[n * count];
        for (int c = 0; c < channels.length; c++) {
            float[] ch = channels[c];
            for (int p = 0; p < n; p++) rows[p * count + c] = ch[p];
        }
        for (int p = 0; p < n && vitUp != null; p++)
            System.arraycopy(vitUp, p * k, rows, p * count + channels.length, k);
        return new Features(rows, count);
    }

    /**
     * Sub-patch features: the mean over s × s shifts (dy, dx) = (patch·i/s, patch·j/s) of the features of the image
     * cropped by (dy, dx) at its top-left, upsampled to the crop and put back where the crop came from. {@code unshifted}
     * is the (0, 0) term. Pixels in the first dy rows or dx columns average the shifts that cover them.
     */
    private static float[] shifted(Image image, FastViT vit, PcaBasis basis, float[] unshifted, int s) {
        int h = image.height(),
                w = image.width(),
                n = h * w,
                k = basis.k(),
                p = vit.config().patchSize();
        double[] acc = new double[n * k];
        int[] count = new int[n];
        for (int i = 0; i < n * k; i++) acc[i] = unshifted[i];
        java.util.Arrays.fill(count, 1);
        for (int sy = 0; sy < s; sy++)
            for (int sx = 0; sx < s; sx++) {
                if (sy == 0 && sx == 0) continue;
                int dy = (int) Math.round((double) p * sy / s), dx = (int) Math.round((double) p * sx / s);
                int ch = h - dy, cw = w - dx;
                if (ch < p || cw < p) continue; // too small a crop for one patch
                float[] px = new float[image.channels() * ch * cw];
                for (int c = 0; c < image.channels(); c++)
                    for (int y = 0; y < ch; y++)
                        System.arraycopy(image.pixels(), c * n + (y + dy) * w + dx, px, (c * ch + y) * cw, cw);
                FeatureMap fm = patchFeatures(new Image(px, image.channels(), ch, cw, image.bitDepth()), vit);
                float[] up = upsample(basis.project(fm), fm.h(), fm.w(), k, ch, cw);
                for (int y = 0; y < ch; y++)
                    for (int x = 0; x < cw; x++) {
                        int dst = (y + dy) * w + x + dx, src = y * cw + x;
                        count[dst]++;
                        for (int q = 0; q < k; q++) acc[dst * k + q] += up[src * k + q];
                    }
            }
        float[] out = new float[n * k];
        for (int i = 0; i < n; i++) for (int q = 0; q < k; q++) out[i * k + q] = (float) (acc[i * k + q] / count[i]);
        return out;
    }

    /** The model's final patch features of the image (resized to the closest lower multiple of the patch size). */
    static FeatureMap patchFeatures(Image image, FastViT vit) {
        if (vit == null) throw new IllegalArgumentException("ViT features need a model");
        var pre = new Preprocessor(vit.config().patchSize(), Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE);
        return LayerFeatures.finalFeatures(vit.forward(pre.tensor(image.toRgb())), 0, false);
    }

    /** Bilinear from patch centres (gh × gw grid covering the image) to pixels: (H·W × k). */
    static float[] upsample(float[] grid, int gh, int gw, int k, int h, int w) {
        float[] out = new float[h * w * k];
        for (int y = 0; y < h; y++) {
            double u = Math.min(gh - 1, Math.max(0, (y + 0.5) * gh / h - 0.5));
            int u0 = (int) u, u1 = Math.min(gh - 1, u0 + 1);
            double fu = u - u0;
            for (int x = 0; x < w; x++) {
                double v = Math.min(gw - 1, Math.max(0, (x + 0.5) * gw / w - 0.5));
                int v0 = (int) v, v1 = Math.min(gw - 1, v0 + 1);
                double fv = v - v0;
                for (int q = 0; q < k; q++) {
                    double a = grid[(u0 * gw + v0) * k + q] * (1 - fv) + grid[(u0 * gw + v1) * k + q] * fv;
                    double b = grid[(u1 * gw + v0) * k + q] * (1 - fv) + grid[(u1 * gw + v1) * k + q] * fv;
                    out[(y * w + x) * k + q] = (float) (a * (1 - fu) + b * fu);
                }
            }
        }
        return out;
    }

    // ---- save / load: one JSON file, written atomically ----

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Saves as one JSON file, atomically. */
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, this::write);
    }

    /** The JSON that {@link #save} writes and {@link #load} reads. */
    public void write(java.io.OutputStream out) throws IOException {
        ObjectNode o = JSON.createObjectNode()
                .put("format", "jvit-segmenter")
                .put("version", 1)
                .put("features", options.features().name())
                .put("classifier", options.classifier().name())
                .put("pca_components", options.pcaComponents())
                .put("feature_count", featureCount)
                .put("seed", options.seed())
                .put("vit_shifts", options.vitShifts())
                .put("flat_field", options.flatField());
        ArrayNode cv = o.putArray("class_values");
        for (int v : classValues) cv.add(v);
        if (pca != null) {
            ObjectNode p = o.putObject("pca");
            p.set("mean", floats(pca.mean()));
            p.set("std", floats(pca.std()));
            p.set("min", floats(pca.min()));
            p.set("max", floats(pca.max()));
            ArrayNode comps = p.putArray("components");
            for (float[] c : pca.components()) comps.add(floats(c));
        }
        o.put("model", Base64.getEncoder().encodeToString(classifier.toBytes()));
        out.write(JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8));
    }

    /** Saved segmenters are read whatever the size of their base64 model (Jackson's default caps strings at 20 MB). */
    private static final ObjectMapper READER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .build())
            .build());

    /**
     * Reads a segmenter saved by {@link #save}.
     *
     * @throws BadInputException for every problem with the file (missing, not JSON, a field missing or of the wrong
     *         type, sizes that disagree, a classifier XGBoost cannot load or whose classes or features disagree with the
     *         file), with a message naming the file. ({@code IOException} stays in the signature for the callers
     *         written against it; it is not thrown.)
     */
    public static Segmenter load(Path file, int threads) throws IOException {
        if (!Files.isRegularFile(file)) throw new BadInputException(file, "no such file");
        JsonNode o;
        try {
            o = READER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new BadInputException(
                    file,
                    "not a saved segmenter (invalid JSON: "
                            + BadInputException.describe(e).split(" at \\[Source")[0] + ")");
        }
        if (o == null || !"jvit-segmenter".equals(o.path("format").asText()))
            throw new BadInputException(file, "not a saved segmenter (no \"format\": \"jvit-segmenter\")");
        try {
            return fromJson(file, o, threads);
        } catch (BadInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadInputException(file, "corrupt saved segmenter (" + BadInputException.describe(e) + ")", e);
        }
    }

    private static Segmenter fromJson(Path file, JsonNode o, int threads) {
        if (o.path("version").asInt(-1) != 1)
            throw new BadInputException(file, "saved segmenter version " + o.path("version") + ", this build reads 1");
        FeatureSet set = enumField(file, o, "features", FeatureSet.class);
        PixelClassifier.Kind kind = enumField(file, o, "classifier", PixelClassifier.Kind.class);
        int pcaComponents = intField(file, o, "pca_components", 1, 4096);
        int shifts =
                o.has("vit_shifts") ? intField(file, o, "vit_shifts", 1, 16) : 1; // files before sub-patch features: 1
        int flatField = o.has("flat_field")
                ? intField(file, o, "flat_field", 0, FlatField.MAX_DEGREE)
                : 0; // files before flat-fielding: trained on the raw image
        Options opts =
                new Options(set, kind, pcaComponents, threads, o.path("seed").asLong(), 1.0, shifts, flatField);
        JsonNode cv = o.path("class_values");
        if (!cv.isArray() || cv.size() < 2 || cv.size() > 65535)
            throw new BadInputException(file, "\"class_values\" must list 2 to 65535 grey values");
        int[] classes = new int[cv.size()];
        for (int i = 0; i < classes.length; i++) {
            JsonNode v = cv.get(i);
            if (!v.isInt() || v.asInt() < 1 || v.asInt() > 65535 || i > 0 && v.asInt() <= classes[i - 1])
                throw new BadInputException(file, "\"class_values\" must be ascending grey values 1…65535, found " + v);
            classes[i] = v.asInt();
        }
        PcaBasis basis = null;
        if (set.vit()) {
            JsonNode p = o.path("pca");
            if (!p.isObject()) throw new BadInputException(file, "ViT features but no \"pca\" basis");
            float[] mean = floats(file, p, "mean"),
                    std = floats(file, p, "std"),
                    min = floats(file, p, "min"),
                    max = floats(file, p, "max");
            JsonNode cs = p.path("components");
            if (!cs.isArray() || cs.size() != pcaComponents)
                throw new BadInputException(
                        file, "\"pca\" has " + cs.size() + " components, \"pca_components\" says " + pcaComponents);
            float[][] comps = new float[cs.size()][];
            for (int i = 0; i < comps.length; i++) {
                comps[i] = floats(file, cs.get(i), "component " + i);
                if (comps[i].length != mean.length)
                    throw new BadInputException(
                            file,
                            "PCA component " + i + " has " + comps[i].length + " channels, the mean " + mean.length);
            }
            if (std.length != mean.length || min.length != comps.length || max.length != comps.length)
                throw new BadInputException(file, "\"pca\" arrays disagree in length");
            basis = new PcaBasis(mean, std, comps, min, max);
        }
        int count = intField(file, o, "feature_count", 1, 1 << 16);
        int expected = (set.classical() ? FilterBank.names().size() : 0) + (set.vit() ? pcaComponents : 0);
        if (count != expected)
            throw new BadInputException(
                    file, "\"feature_count\" is " + count + ", its feature set " + set + " makes " + expected);
        JsonNode model = o.path("model");
        if (!model.isTextual()) throw new BadInputException(file, "no \"model\" (base64 XGBoost model)");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(model.asText());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "\"model\" is not base64 (" + e.getMessage() + ")");
        }
        PixelClassifier clf;
        try {
            clf = PixelClassifier.fromBytes(bytes, classes.length, count);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage(), e);
        }
        if (clf.outputs() != classes.length) // the classifier answers for the classes the file lists
        throw new BadInputException(
                    file,
                    "its classifier gives " + clf.outputs() + " class probabilities, \"class_values\" lists "
                            + classes.length);
        return new Segmenter(opts, clf, classes, basis, count);
    }

    private static <E extends Enum<E>> E enumField(Path file, JsonNode o, String name, Class<E> type) {
        String v = o.path(name).asText();
        for (E e : type.getEnumConstants()) if (e.name().equals(v)) return e;
        throw new BadInputException(
                file,
                "\"" + name + "\" is " + shown(o.path(name)) + ", not one of "
                        + java.util.Arrays.toString(type.getEnumConstants()));
    }

    private static int intField(Path file, JsonNode o, String name, int min, int max) {
        JsonNode v = o.path(name);
        if (!v.isInt() || v.asInt() < min || v.asInt() > max)
            throw new BadInputException(
                    file, "\"" + name + "\" is " + shown(v) + ", not an integer in " + min + "…" + max);
        return v.asInt();
    }

    /** A JSON value for a message: "missing" when absent, at most 40 characters. */
    private static String shown(JsonNode v) {
        if (v.isMissingNode()) return "missing";
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /** The number of ViT channels the PCA basis was fitted on (0 for classical features): the model must give as many. */
    public int vitChannels() {
        return pca == null ? 0 : pca.mean().length;
    }

    /**
     * Refuses, naming {@code file} (this segmenter's saved model), a ViT that cannot give it its features: none
     * ({@code weights} null) for a segmenter trained on ViT features, or one of another width ({@code channels}; 0 when
     * not loaded yet) than its PCA basis was fitted on.
     */
    public void requireVit(Path file, Path weights, int channels) {
        if (options.features() != FeatureSet.CLASSICAL && weights == null)
            throw new BadInputException(
                    file, "this segmenter uses ViT features; give the same --weights it was trained with");
        if (channels != 0 && vitChannels() != 0 && vitChannels() != channels)
            throw new BadInputException(
                    file,
                    "its PCA basis was fitted on " + vitChannels() + " ViT channels; --weights " + weights + " gives "
                            + channels);
    }

    private static ArrayNode floats(float[] a) {
        ArrayNode n = JSON.createArrayNode();
        for (float v : a) n.add(v);
        return n;
    }

    /** A JSON array of finite numbers (a field of {@code parent}, or {@code parent} itself for a component). */
    private static float[] floats(Path file, JsonNode parent, String name) {
        JsonNode n = parent.isArray() ? parent : parent.path(name);
        if (!n.isArray() || n.size() > 1 << 20)
            throw new BadInputException(file, "PCA " + name + " is not an array of numbers");
        float[] a = new float[n.size()];
        for (int i = 0; i < a.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isNumber() || !Float.isFinite((float) v.asDouble()))
                throw new BadInputException(file, "PCA " + name + "[" + i + "] is " + v + ", not a finite number");
            a[i] = (float) v.asDouble();
        }
        return a;
    }
}
