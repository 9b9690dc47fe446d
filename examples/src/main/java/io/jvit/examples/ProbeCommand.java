package io.jvit.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.Npy;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.util.Threads;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.Ramp;
import io.jvit.probe.SampleMask;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code ./vit probe}: the paper's positional-bias linear probe, on saved feature maps or on a model's
 * features of a folder of images. Prints mean ± std of R² (a table, or JSON with {@code --json}).
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Linear probe from patch features to a position ramp: how much position do the features encode?")
final class ProbeCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--features", paramLabel = "F.npy", description = "saved (h, w, C) float32 feature map(s)")
        List<Path> features;

        @Option(names = "--images", paramLabel = "DIR", description = "folder of PNG/JPEG/TIFF images to featurise with --weights")
        Path images;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = {"-w", "--weights"}, paramLabel = "FILE", description = "checkpoint (needed with --images)")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding of the model (e.g. alibi)")
    String pe;

    @Option(names = "--ramp", defaultValue = "lr+ud", description = "lr, ud, diag, radial, raster, lr+ud or random (default ${DEFAULT-VALUE})")
    String ramp;

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

    @Option(names = "--seed", defaultValue = "100001", description = "mask seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--nan-to-zero", description = "replace NaN features by 0 as the reference code does (default: refuse them)")
    boolean nanToZero;

    @Option(names = "--json", description = "print a JSON object instead of a table")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "also write DIR/report.json")
    Path out;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "compute threads (default ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() throws Exception {
        Ramp r = Ramp.parse(ramp);
        boolean random = switch (mask.toLowerCase(Locale.ROOT)) {
            case "random" -> true;
            case "grid" -> false;
            default -> throw new IllegalArgumentException("--mask must be random or grid, got '" + mask + "'");
        };
        BiasProbe probe = new BiasProbe(r, new SampleMask(random, step, cutoff), repeats, alpha, seed);
        Threads.configure(threads);
        List<String> names = new ArrayList<>();
        List<FeatureMap> maps = input.features != null ? readFeatures(names) : featurise(names);
        BiasProbe.Result res = probe.run(maps);

        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("r2_mean", res.mean()).put("r2_std", res.std()).put("n_probes", res.values().length);
        ArrayNode vals = o.putArray("r2_values");
        for (double v : res.values()) vals.add(v);
        o.putObject("options").put("ramp", r.key).put("mask", random ? "random" : "grid").put("step", step)
                .put("cutoff", cutoff).put("repeats", repeats).put("alpha", alpha).put("seed", seed).put("nan_to_zero", nanToZero);
        ArrayNode in = o.putArray("inputs");
        names.forEach(in::add);
        if (weights != null) o.put("weights", weights.toString()).put("pe", pe == null ? "checkpoint" : pe);
        String text = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o);
        if (out != null) AtomicFiles.write(out.resolve("report.json"), s -> s.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        if (json) System.out.println(text);
        else {
            System.out.printf("%-8s %-18s %s%n", "ramp", "R² (mean ± std)", "probes");
            System.out.printf("%-8s %7.3f ± %-8.3f %d (%d images × %d masks)%n", r.key, res.mean(), res.std(),
                    res.values().length, maps.size(), random ? repeats : 1);
        }
        return 0;
    }

    private List<FeatureMap> readFeatures(List<String> names) throws IOException {
        List<FeatureMap> maps = new ArrayList<>();
        for (Path p : input.features) {
            try {
                maps.add(FeatureMap.of(Npy.read(p), nanToZero));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
            }
            names.add(p.toString());
        }
        return maps;
    }

    private List<FeatureMap> featurise(List<String> names) throws IOException {
        if (weights == null) throw new IllegalArgumentException("--images needs --weights");
        List<Path> files;
        try (Stream<Path> s = Files.list(input.images)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g|tiff?)$")).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(input.images + ": no such folder");
        }
        if (files.isEmpty()) throw new IllegalArgumentException(input.images + ": no PNG, JPEG or TIFF images in this folder");
        VisionTransformer vit = Checkpoints.load(weights, null, pe).model();
        var pre = new Preprocessor(vit.config().patchSize(), Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE);
        List<FeatureMap> maps = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            try {
                maps.add(FeatureMap.of(vit.forward(pre.tensor(ImageLoader.read(f))).patchTokens(), nanToZero));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
            }
            names.add(f.toString());
            double el = (System.nanoTime() - t0) / 1e9, eta = el / (i + 1) * (files.size() - i - 1);
            System.err.printf("\rfeaturising %d/%d  %.0f s elapsed, ETA %.0f s   ", i + 1, files.size(), el, eta);
        }
        System.err.println();
        return maps;
    }
}
