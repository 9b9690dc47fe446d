package io.jvit.serve;

import io.jvit.core.fast.FastViT;
import io.jvit.core.image.ImageLoader;
import io.jvit.segment.DenseCrf;
import io.jvit.segment.Segmenter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A trained segmenter applied to every image of the server's folder, in the background: the page polls its progress
 * and downloads each result. Results go to the server's temporary folder, never next to the images.
 */
final class FolderJob implements Runnable {
    record Done(String image, Path result, String error) {}

    final String id;
    private final Segmenter segmenter;
    private final FastViT vit;
    private final List<Path> images;
    private final Path out;
    final List<Done> done = new CopyOnWriteArrayList<>();
    final AtomicInteger processed = new AtomicInteger();
    final AtomicBoolean finished = new AtomicBoolean();

    private final DenseCrf.Params crf; // null: no CRF
    private final int threads;

    FolderJob(
            String id,
            Segmenter segmenter,
            FastViT vit,
            DenseCrf.Params crf,
            int threads,
            List<Path> images,
            Path out) {
        this.crf = crf;
        this.threads = threads;
        this.id = id;
        this.segmenter = segmenter;
        this.vit = vit;
        this.images = List.copyOf(images);
        this.out = out;
    }

    int total() {
        return images.size();
    }

    @Override
    public void run() {
        try {
            Files.createDirectories(out);
            for (int i = 0; i < images.size(); i++) {
                Path f = images.get(i), target = out.resolve(i + ".png");
                try {
                    Segmenter.Result r;
                    io.jvit.core.image.Image image = ImageLoader.read(f);
                    synchronized (segmenter) {
                        r = segmenter.apply(image, vit);
                    } // one classifier, one caller at a time
                    if (crf != null) r = DenseCrf.refine(r, image, crf, threads); // as ./vit segment --apply-to
                    Files.write(target, Pngs.labels(r.labels(), r.height(), r.width()));
                    done.add(new Done(f.getFileName().toString(), target, null));
                } catch (RuntimeException | java.io.IOException e) { // one bad image does not stop the folder
                    done.add(new Done(f.getFileName().toString(), null, io.jvit.core.io.BadInputException.describe(e)));
                } catch (OutOfMemoryError e) {
                    done.add(new Done(f.getFileName().toString(), null, "out of memory"));
                }
                processed.incrementAndGet();
            }
        } catch (java.io.IOException e) {
            done.add(new Done("", null, "cannot write results: " + e.getMessage()));
        } finally {
            finished.set(true);
        }
    }
}
