package io.jvit.spark;

import io.jvit.core.Backbone;
import io.jvit.core.Engine;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import io.jvit.core.pe.Pe;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.LayerFeatures;
import io.jvit.probe.Ramp;
import io.jvit.probe.SampleMask;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit spark probe}: the paper's positional-bias R² of every image of a folder ({@code OUT/probe/<stem>.csv}:
 * ramp, repeat, R²) and aggregated per ramp ({@code OUT/probe.csv}: mean ± population std over images × masks),
 * computed as {@code ./vit probe --images DIR} computes them: the same features, and each image's mask seeds from
 * its place in the folder ({@link BiasProbe#values}), so the numbers are equal.
 */
@Command(
        name = "probe",
        mixinStandardHelpOptions = true,
        description = "Positional-bias probe of every image of a folder on Spark (as ./vit probe --images).")
public final class ProbeJob implements Callable<Integer> {

    @Mixin
    JobOptions job;

    @Option(
            names = {"-w", "--weights"},
            required = true,
            paramLabel = "FILE",
            description = "checkpoint")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding (default: the checkpoint's)")
    String pe;

    @Option(
            names = "--ramp",
            defaultValue = "lr+ud,lr,ud,diag,radial,random",
            split = ",",
            description = "ramps, comma-separated (default ${DEFAULT-VALUE})")
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

    @Option(names = "--seed", defaultValue = "100001", description = "mask seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--nan-to-zero", description = "replace NaN features by 0 (default: refuse them)")
    boolean nanToZero;

    @Override
    public Integer call() throws Exception {
        job.check();
        if (!Files.isRegularFile(weights)) throw new BadInputException(weights, "no such file");
        Pe.parse(pe);
        List<String> keys =
                ramps.stream().map(Ramp::parse).distinct().map(r -> r.key).toList();
        Work work = new Work(
                weights.toAbsolutePath().toString(),
                pe,
                keys,
                random(mask),
                step,
                cutoff,
                repeats,
                alpha,
                seed,
                nanToZero,
                job.threads,
                job.out.toAbsolutePath().toString());
        work.probe(Ramp.parse(keys.get(0))); // refuses bad mask, repeat and ridge values before Spark starts
        List<ImageUnit> units = ImageJob.plan(job.images);
        ImageJob.requireDistinctStems(units);
        ImageJob.Outcome outcome = ImageJob.run("jvit probe", job, units, work);

        Map<String, List<Double>> byRamp = new LinkedHashMap<>();
        keys.forEach(k -> byRamp.put(k, new ArrayList<>()));
        for (UnitResult r : outcome.done()) // in the folder's order, then the repeats: BiasProbe.run's order
        for (String line : r.summary().split("\n")) {
                String[] f = line.split(",");
                byRamp.get(f[0]).add(Double.parseDouble(f[2]));
            }
        List<List<String>> rows = new ArrayList<>();
        System.out.printf("%-8s %-18s %s%n", "ramp", "R² (mean ± std)", "probes");
        for (var e : byRamp.entrySet()) {
            if (e.getValue().isEmpty()) continue;
            BiasProbe.Result res = BiasProbe.Result.of(
                    e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
            rows.add(List.of(
                    e.getKey(),
                    Double.toString(res.mean()),
                    Double.toString(res.std()),
                    String.valueOf(res.values().length)));
            System.out.printf(
                    Locale.ROOT, "%-8s %7.3f ± %-8.3f %d%n", e.getKey(), res.mean(), res.std(), res.values().length);
        }
        Csv.write(job.out.resolve("probe.csv"), List.of("ramp", "r2_mean", "r2_std", "probes"), rows);
        System.err.println(outcome.describe("probed") + " → " + job.out);
        return 0;
    }

    static boolean random(String mask) {
        return switch (mask.toLowerCase(Locale.ROOT)) {
            case "random" -> true;
            case "grid" -> false;
            default -> throw new IllegalArgumentException("--mask must be random or grid, got '" + mask + "'");
        };
    }

    /** The work on one image: its features as ./vit probe computes them, then every ramp's R² per mask. */
    record Work(
            String weights,
            String pe,
            List<String> ramps,
            boolean random,
            int step,
            double cutoff,
            int repeats,
            double alpha,
            long seed,
            boolean nanToZero,
            int threads,
            String out)
            implements ImageWork {

        BiasProbe probe(Ramp ramp) {
            return new BiasProbe(ramp, new SampleMask(random, step, cutoff), repeats, alpha, seed);
        }

        @Override
        public List<Path> outputs(ImageUnit u) {
            String f = u.file().getFileName().toString();
            return List.of(Path.of(out, "probe", f.replaceFirst("\\.[^.]+$", "") + ".csv"));
        }

        @Override
        public void write(ImageUnit u) throws Exception {
            String key = String.join("|", "probe", weights, String.valueOf(pe)) + "|threads=" + threads;
            FeatureMap f;
            try (ModelCache.Lease<Backbone> lease = ModelCache.borrow(key, this::load)) {
                f = LayerFeatures.finalFeatures(lease.model().forward(ImageLoader.read(u.file()), false), 0, nanToZero);
            }
            StringBuilder b = new StringBuilder();
            for (String r : ramps) {
                double[] v = probe(Ramp.parse(r)).values(f, u.index());
                for (int k = 0; k < v.length; k++)
                    b.append(r).append(',').append(k).append(',').append(v[k]).append('\n');
            }
            byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(outputs(u).get(0), s -> s.write(bytes));
        }

        /** As {@code ./vit probe} loads it: the fast engine, images fitted to the closest lower multiple. */
        private Backbone load() {
            return Backbone.options()
                    .engine(Engine.FAST)
                    .threads(threads)
                    .resize(Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE)
                    .pe(Pe.parse(pe))
                    .load(Path.of(weights));
        }

        /** The image's lines "ramp,repeat,R²" (R² as Java prints a double: exact), from its file. */
        @Override
        public String summarise(ImageUnit u) throws Exception {
            return Files.readString(outputs(u).get(0)).strip();
        }
    }
}
