package io.jvit.spark;

import io.jvit.core.image.ImageLoader;
import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs an {@link ImageWork} over every image of a folder on Spark: the driver lists the folder (no pixel read), cuts
 * it into partitions of {@code --per-partition} files, the executors work on them, and the driver collects one
 * {@link UnitResult} per file and writes {@code errors.csv} (path, message; header only when every file went well).
 */
final class ImageJob {
    private ImageJob() {}

    /** The results of a run, in the folder's order. */
    record Outcome(List<UnitResult> results, double seconds, double startSeconds) {
        List<UnitResult> done() {
            return results.stream().filter(UnitResult::ok).toList();
        }

        long errors() {
            return results.stream().filter(r -> !r.ok()).count();
        }

        long skipped() {
            return results.stream().filter(UnitResult::skipped).count();
        }

        /** One line for the log: counts and throughput of the files worked on (not those skipped). */
        String describe(String verb) {
            long worked = results.size() - skipped() - errors();
            return String.format(
                    Locale.ROOT,
                    "%s %d images (%d skipped by --resume, %d errors) in %.1f s: %.2f images/s (Spark start %.1f s)",
                    verb,
                    worked,
                    skipped(),
                    errors(),
                    seconds,
                    seconds > 0 ? worked / seconds : 0,
                    startSeconds);
        }
    }

    /** The images of {@code folder}, sorted as {@code ImageLoader.listImages} sorts them (every command's order). */
    static List<ImageUnit> plan(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) throw new BadInputException(folder, "not a folder");
        List<Path> files = ImageLoader.listImages(folder);
        if (files.isEmpty()) throw new BadInputException(folder, "no PNG, JPEG or TIFF images in this folder");
        List<ImageUnit> units = new ArrayList<>();
        for (int i = 0; i < files.size(); i++)
            units.add(new ImageUnit(files.get(i).toString(), i));
        return units;
    }

    /** Two inputs whose outputs would have one name (a.png and a.tif, or names differing only in case) are refused. */
    static void requireDistinctStems(List<ImageUnit> units) {
        Map<String, String> seen = new HashMap<>();
        for (ImageUnit u : units) {
            String f = u.file().getFileName().toString();
            String stem = f.replaceFirst("\\.[^.]+$", "").toLowerCase(Locale.ROOT);
            String other = seen.putIfAbsent(stem, u.path());
            if (other != null)
                throw new BadInputException(u.file(), "its outputs would overwrite those of " + other + " (one stem)");
        }
    }

    /**
     * The file that stopped a {@code --fail-fast} job, as a {@code FILE: problem} error. Spark reports a task's
     * exception to the driver as text in its own exception's message ("… FileFailedException: FILE: problem\tat …"):
     * the file is the unit whose path follows the class name.
     */
    static java.util.Optional<BadInputException> failedFile(Exception e, List<ImageUnit> units) {
        String marker = PartitionTask.FileFailedException.class.getName() + ": ";
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c.getMessage();
            int at = m == null ? -1 : m.indexOf(marker);
            if (at < 0) continue;
            String text = m.substring(at + marker.length()).split("[\t\n]")[0].strip();
            for (ImageUnit u : units)
                if (text.startsWith(u.path() + ": "))
                    return java.util.Optional.of(new BadInputException(
                            u.file(), text.substring(u.path().length() + 2), e));
        }
        return java.util.Optional.empty();
    }

    static Outcome run(String appName, JobOptions o, List<ImageUnit> units, ImageWork work) throws IOException {
        Files.createDirectories(o.out);
        long t0 = System.nanoTime();
        List<UnitResult> results;
        double startSeconds;
        try (SparkRun spark = SparkRun.start(o.master, appName)) {
            startSeconds = (System.nanoTime() - t0) / 1e9;
            int slices = (units.size() + o.perPartition - 1) / o.perPartition;
            results = new ArrayList<>(spark.context()
                    .parallelize(units, slices)
                    .mapPartitions(new PartitionTask(work, o.resume, o.failFast))
                    .collect());
        } catch (Exception e) { // Spark's SparkException is checked, though Scala declares nothing
            if (e instanceof IOException io) throw io;
            throw failedFile(e, units)
                    .orElseThrow(
                            () -> e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        results.sort(Comparator.comparingInt(UnitResult::index));
        List<List<String>> rows = new ArrayList<>();
        for (UnitResult r : results) if (!r.ok()) rows.add(List.of(r.path(), r.error()));
        Csv.write(o.out.resolve("errors.csv"), List.of("path", "message"), rows);
        return new Outcome(results, seconds, startSeconds);
    }
}
