package io.jvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.Backbone;
import io.jvit.core.Engine;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.pe.Pe;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.Fingerprint;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.LinearProbe;
import io.jvit.probe.Ramp;
import io.jvit.probe.SampleMask;
import io.jvit.probe.report.Figures;
import io.jvit.probe.report.ReportPage;
import io.jvit.probe.synthetic.Microstructure;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit probe}: the paper's positional-bias linear probe on saved feature maps, on a model's
 * features of a folder of images, or of generated homogeneous microstructures. Prints mean ± std of R²
 * per ramp (a table, or JSON with {@code --json}); with {@code --out} also writes report.json, figures
 * (ramp predictions, fingerprint heatmap, PCA) and index.html. Everything is computed before anything
 * is written, so a failure leaves no partial report.
 */
@Command(
        name = "probe",
        mixinStandardHelpOptions = true,
        description = "Linear probe from patch features to a position ramp: how much position do the features encode?")
final class ProbeCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--features", paramLabel = "F.npy", description = "saved (h, w, C) float32 feature map(s)")
        List<Path> features;

        @Option(
                names = "--images",
                paramLabel = "DIR",
                description = "folder of PNG/JPEG/TIFF images to featurise with --weights")
        Path images;

        @Option(
                names = "--synthetic",
                paramLabel = "KIND:N[,KIND:N…]",
                description =
                        "generated homogeneous microstructures: grf, voronoi, particles, spinodal, noise, or all (N split over the five)")
        String synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(
            names = {"-w", "--weights"},
            paramLabel = "FILE",
            description = "checkpoint (needed with --images and --synthetic)")
    Path weights;

    @Option(
            names = "--pe",
            paramLabel = "KIND",
            description = "positional encoding of the model (e.g. alibi; default: the checkpoint's)")
    String pe;

    @Option(
            names = "--size",
            defaultValue = "518",
            description = "side of the synthetic images in pixels (default ${DEFAULT-VALUE})")
    int size;

    @Option(
            names = "--ramp",
            defaultValue = "lr+ud,lr,ud,diag,radial,random",
            split = ",",
            description =
                    "ramps, comma-separated: lr, ud, diag, radial, raster, lr+ud, random; the first is r2_mean in JSON (default ${DEFAULT-VALUE})")
    List<String> ramps;

    @Option(names = "--mask", defaultValue = "random", description = "random or grid (default ${DEFAULT-VALUE})")
    String mask;

    @Option(names = "--step", defaultValue = "6", description = "mask step (default ${DEFAULT-VALUE})")
    int step;

    @Option(names = "--cutoff", defaultValue = "1.0", description = "mask region fraction (default ${DEFAULT-VALUE})")
    double cutoff;

    @Option(names = "--repeats", defaultValue = "6", description = "random masks per image (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--alpha", defaultValue = "1.0", description = "ridge strength (default ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--seed", defaultValue = "100001", description = "mask and image seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--fingerprint-ramp",
            defaultValue = "lr",
            description = "ramp of the positional fingerprint (default ${DEFAULT-VALUE}, as the paper)")
    String fingerprintRamp;

    @Option(
            names = "--no-fingerprint",
            description = "skip the per-layer fingerprint (saves keeping every block's output)")
    boolean noFingerprint;

    @Option(
            names = "--nan-to-zero",
            description = "replace NaN features by 0 as the reference code does (default: refuse them)")
    boolean nanToZero;

    @Option(names = "--json", description = "print a JSON object instead of a table")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "write DIR/report.json, DIR/index.html and PNG figures")
    Path out;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "fast",
            description = "fast or samediff (default ${DEFAULT-VALUE})")
    String engine;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    NonFiniteOption nonFinite;

    private int threads; // set from threadsOption when the command runs

    /** One input image, decoded on demand (so a folder of large images is never all in memory). */
    private record Source(String name, Supplier<Image> image) {}

    @Override
    public Integer call() throws Exception {
        List<Ramp> rampList = ramps.stream().map(Ramp::parse).distinct().toList();
        boolean random = switch (mask.toLowerCase(Locale.ROOT)) {
            case "random" -> true;
            case "grid" -> false;
            default -> throw new IllegalArgumentException("--mask must be random or grid, got '" + mask + "'");
        };
        SampleMask sampleMask = new SampleMask(random, step, cutoff);
        Ramp fpRamp = Ramp.parse(fingerprintRamp);
        threads = threadsOption.configure();
        if (out != null && Files.exists(out) && !Files.isDirectory(out))
            throw new io.jvit.core.io.BadInputException(out, "exists and is not a folder");

        List<String> names = new ArrayList<>();
        List<FeatureMap> maps = new ArrayList<>();
        List<Image> shown = new ArrayList<>(); // the first few inputs, for the PCA figure
        Fingerprint fingerprint = null;
        long t0 = System.nanoTime();
        if (input.features != null) readFeatures(names, maps);
        else
            fingerprint =
                    featurise(sources(), names, maps, shown, new BiasProbe(fpRamp, sampleMask, repeats, alpha, seed));
        long t1 = System.nanoTime();

        Map<Ramp, BiasProbe.Result> results = new LinkedHashMap<>();
        for (Ramp r : rampList) results.put(r, new BiasProbe(r, sampleMask, repeats, alpha, seed).run(maps));
        long t2 = System.nanoTime();
        double featuriseS = (t1 - t0) / 1e9, probeS = (t2 - t1) / 1e9;

        ObjectNode o = json(rampList, results, names, random, fingerprint, featuriseS, probeS);
        String text = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o);
        if (out != null) writeReport(text, rampList, results, maps, names, shown, fingerprint, sampleMask, featuriseS);
        if (json) System.out.println(text);
        else {
            System.out.printf("%-8s %-18s %s%n", "ramp", "R² (mean ± std)", "probes");
            for (Ramp r : rampList) {
                BiasProbe.Result res = results.get(r);
                System.out.printf(
                        "%-8s %7.3f ± %-8.3f %d (%d images × %d masks)%n",
                        r.key, res.mean(), res.std(), res.values().length, maps.size(), random ? repeats : 1);
            }
            if (fingerprint != null)
                System.out.printf(
                        "most positional channels (%s, final features): %s%n",
                        fingerprint.ramp().key,
                        Arrays.toString(
                                fingerprint.topChannels(fingerprint.layers().size() - 1, 6)));
            System.out.printf(
                    "featurise %.1f s, probe %.2f s%s%n", featuriseS, probeS, out == null ? "" : "; report in " + out);
        }
        return 0;
    }

    private ObjectNode json(
            List<Ramp> rampList,
            Map<Ramp, BiasProbe.Result> results,
            List<String> names,
            boolean random,
            Fingerprint fp,
            double featuriseS,
            double probeS) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        BiasProbe.Result first = results.get(rampList.get(0));
        o.put("ramp", rampList.get(0).key)
                .put("r2_mean", first.mean())
                .put("r2_std", first.std())
                .put("n_probes", first.values().length);
        ArrayNode vals = o.putArray("r2_values");
        for (double v : first.values()) vals.add(v);
        ObjectNode per = o.putObject("ramps");
        for (Ramp r : rampList) {
            BiasProbe.Result res = results.get(r);
            ArrayNode a = per.putObject(r.key)
                    .put("r2_mean", res.mean())
                    .put("r2_std", res.std())
                    .putArray("r2_values");
            for (double v : res.values()) a.add(v);
        }
        ObjectNode opts = o.putObject("options").put("ramp", rampList.get(0).key);
        ArrayNode rampKeys = opts.putArray("ramps");
        rampList.forEach(r -> rampKeys.add(r.key));
        opts.put("mask", random ? "random" : "grid")
                .put("step", step)
                .put("cutoff", cutoff)
                .put("repeats", repeats)
                .put("alpha", alpha)
                .put("seed", seed)
                .put("nan_to_zero", nanToZero);
        ArrayNode in = o.putArray("inputs");
        names.forEach(in::add);
        if (weights != null) o.put("weights", weights.toString()).put("pe", pe == null ? "checkpoint" : pe);
        if (fp != null) {
            ObjectNode f = o.putObject("fingerprint").put("ramp", fp.ramp().key).put("probes", fp.probes());
            ArrayNode top = f.putArray("top_channels_final");
            for (int c : fp.topChannels(fp.layers().size() - 1, 10)) top.add(c);
            ObjectNode layers = f.putObject("per_layer_max_r2");
            for (int l = 0; l < fp.layers().size(); l++)
                layers.put(fp.layers().get(l), Arrays.stream(fp.r2()[l]).max().orElse(0));
        }
        o.putObject("timing_s").put("featurise", featuriseS).put("probe", probeS);
        return o;
    }

    private void writeReport(
            String jsonText,
            List<Ramp> rampList,
            Map<Ramp, BiasProbe.Result> results,
            List<FeatureMap> maps,
            List<String> names,
            List<Image> shown,
            Fingerprint fp,
            SampleMask sampleMask,
            double featuriseS)
            throws IOException {
        // draw everything first: an exception here leaves the folder untouched
        Map<String, BufferedImage> pngs = new LinkedHashMap<>();
        List<ReportPage.Figure> figs = new ArrayList<>();
        FeatureMap f0 = maps.get(0);
        for (Ramp r : rampList) {
            int[] idx = sampleMask.indices(f0.h(), f0.w(), r == Ramp.RADIAL, seed);
            double[][] target = r.values(f0.h(), f0.w(), seed);
            LinearProbe.Fit fit = LinearProbe.fit(f0, idx, target, alpha);
            String file = "ramp_" + r.key.replace('+', '_') + ".png";
            pngs.put(file, Figures.rampPrediction(r, target, fit.prediction(), f0.h(), f0.w(), fit.r2()));
            figs.add(new ReportPage.Figure(
                    file,
                    "Ramp " + r.key + " on " + names.get(0)
                            + ": target (left) and the probe's prediction on every patch (right)."));
        }
        if (fp != null) {
            pngs.put("fingerprint.png", Figures.fingerprint(fp, 8));
            figs.add(
                    new ReportPage.Figure(
                            "fingerprint.png",
                            "Positional fingerprint: per-channel R² of the " + fp.ramp().key
                                    + " ramp for every block's output (rows) and channel (columns), scale 0 to 0.5 as the paper."));
        }
        if (!shown.isEmpty()) {
            pngs.put(
                    "pca.png", Figures.pca(shown, maps.subList(0, shown.size()), names.subList(0, shown.size()), true));
            figs.add(
                    new ReportPage.Figure(
                            "pca.png",
                            "First three principal components of the features as RGB: on a homogeneous "
                                    + "image, colour that follows position (ramps, a centre-vs-edge pattern) is positional bias."));
        }
        List<List<String>> rows = new ArrayList<>();
        for (Ramp r : rampList) {
            BiasProbe.Result res = results.get(r);
            rows.add(List.of(
                    r.key,
                    String.format("%.3f", res.mean()),
                    String.format("%.3f", res.std()),
                    String.valueOf(res.values().length)));
        }
        List<String> facts = new ArrayList<>();
        facts.add(
                maps.size() + " images, " + f0.h() + "×" + f0.w() + " patches × " + f0.c() + " channels (first image)");
        if (weights != null) facts.add("model " + weights + ", PE " + (pe == null ? "from the checkpoint" : pe));
        facts.add(String.format(
                "mask %s, step %d, cutoff %.2f, %d repeats, ridge α %.3g; featurised in %.1f s",
                sampleMask.random() ? "random" : "grid", step, cutoff, repeats, alpha, featuriseS));

        Files.createDirectories(out);
        for (var e : pngs.entrySet()) Figures.writePng(e.getValue(), out.resolve(e.getKey()));
        ReportPage.write(
                out.resolve("index.html"),
                "Positional-bias report",
                facts,
                List.of("ramp", "R² mean", "R² std", "probes"),
                rows,
                figs);
        byte[] bytes = jsonText.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve("report.json"), s -> s.write(bytes));
    }

    private void readFeatures(List<String> names, List<FeatureMap> maps) throws IOException {
        for (Path p : input.features) {
            var array = Npy.read(p); // its own errors name the file
            try {
                maps.add(FeatureMap.of(array, nanToZero));
            } catch (IllegalArgumentException e) {
                throw new io.jvit.core.io.BadInputException(p, e.getMessage(), e);
            }
            names.add(p.toString());
        }
    }

    private List<Source> sources() throws IOException {
        List<Source> list = new ArrayList<>();
        if (input.synthetic != null) {
            if (size < 1) throw new IllegalArgumentException("--size must be positive, got " + size);
            for (String spec : input.synthetic.split(",")) {
                String[] kv = spec.trim().split(":");
                int n;
                try {
                    n = kv.length == 2 ? Integer.parseInt(kv[1]) : -1;
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 1)
                    throw new IllegalArgumentException(
                            "--synthetic wants KIND:N with N >= 1, e.g. grf:5 or all:15; got '" + spec + "'");
                List<Microstructure> kinds = kv[0].equalsIgnoreCase("all")
                        ? List.of(Microstructure.values())
                        : List.of(Microstructure.parse(kv[0]));
                for (int i = 0; i < n; i++) {
                    Microstructure m = kinds.get(i % kinds.size());
                    long s = seed + i;
                    list.add(new Source(
                            String.format("%s #%d (seed %d, %d²)", m.key, i / kinds.size(), s, size),
                            () -> m.generate(size, size, s)));
                }
            }
            return list;
        }
        List<Path> files = ImageLoader.listImages(input.images);
        if (files.isEmpty())
            throw new IllegalArgumentException(input.images + ": no PNG, JPEG or TIFF images in this folder");
        for (Path f : files) ImageLoader.size(f); // every header now, before the model runs
        for (Path f : files)
            list.add(new Source(f.toString(), () -> {
                try {
                    return ImageLoader.read(f);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        return list;
    }

    private Fingerprint featurise(
            List<Source> sources, List<String> names, List<FeatureMap> maps, List<Image> shown, BiasProbe fpProbe)
            throws IOException {
        if (weights == null) throw new IllegalArgumentException("--images and --synthetic need --weights");
        Backbone vit = Backbone.options()
                .engine(Flags.parse("--engine", engine, Engine::parse))
                .threads(threads)
                .resize(Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE)
                .pe(Pe.parse(pe))
                .allowNonFinite(nonFinite.allow)
                .load(weights);
        ViTConfig cfg = vit.config();
        boolean fingerprint = !noFingerprint && out != null;
        Fingerprint.Accumulator acc =
                fingerprint ? new Fingerprint.Accumulator(fpProbe, LayerFeatures.layerNames(cfg.depth())) : null;
        try (ProgressBar bar = Progress.bar("featurising", sources.size())) {
            for (Source src : sources) {
                try {
                    Image img = src.image().get();
                    ViTOutput o = vit.forward(img, fingerprint);
                    maps.add(LayerFeatures.finalFeatures(o, 0, nanToZero));
                    if (acc != null) acc.add(LayerFeatures.perLayer(o, 0, nanToZero));
                    if (shown.size() < 4) shown.add(img);
                } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                    throw new IllegalArgumentException(src.name() + ": " + e.getMessage(), e);
                }
                names.add(src.name());
                bar.step();
            }
        }
        return acc == null ? null : acc.result();
    }
}
