package io.jvit.cli;

import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.ImagePages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code ./vit features} does with a folder or a multi-page TIFF: every page of every image becomes one
 * {@code .npy} in the output folder ({@code name.npy}, or {@code name_p003.npy} for page 3 of a stack), and pages
 * that come out the same size after the resize policy run together, at most {@code batch} per forward pass.
 * Everything is planned from the headers, so a bad file, a page smaller than a patch or two inputs that would
 * write the same name are refused before anything is written.
 */
final class FeatureJobs {
    private FeatureJobs() {}

    /** One page and the file its features go to. */
    record Job(ImagePages.Page page, Path out) {}

    /** The jobs of {@code input} (a folder or a multi-page file), grouped into batches of one input size. */
    static List<List<Job>> plan(Path input, Path outDir, int patch, int batch) throws IOException {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        List<Path> files = Files.isDirectory(input) ? ImageLoader.listImages(input) : List.of(input);
        if (files.isEmpty()) throw new IllegalArgumentException(input + ": no PNG, JPEG or TIFF images in the folder");
        Map<String, Path> taken = new HashMap<>();
        Map<Long, List<Job>> bySize = new LinkedHashMap<>(); // in file order, first appearance of each size first
        for (Path f : files) {
            for (ImagePages.Page p : ImagePages.list(f)) {
                int h = p.height() / patch * patch, w = p.width() / patch * patch; // what either resize policy gives
                if (h == 0 || w == 0)
                    throw new IllegalArgumentException(p.describe() + ": image is " + p.width() + "×" + p.height()
                            + " px, smaller than one " + patch + "×" + patch + " patch");
                String name = ImagePages.outputName(p, ".npy");
                Path other = taken.putIfAbsent(name.toLowerCase(Locale.ROOT), f);
                if (other != null)
                    throw new IllegalArgumentException(
                            f + ": its features would overwrite those of " + other + " (both " + name + ")");
                bySize.computeIfAbsent(((long) h << 32) | w, k -> new ArrayList<>())
                        .add(new Job(p, outDir.resolve(name)));
            }
        }
        List<List<Job>> batches = new ArrayList<>();
        for (List<Job> same : bySize.values())
            for (int i = 0; i < same.size(); i += batch) batches.add(same.subList(i, Math.min(same.size(), i + batch)));
        return batches;
    }
}
