package io.jvit.cli;

import io.jvit.core.image.TiffStackWriter;
import io.jvit.core.io.StagedWrites;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Several multi-page TIFFs written together, page by page (a stack's labels, its uncertainty, one probability stack per
 * class): each is staged by {@link StagedWrites}, so none appears unless all are complete, and they are opened one
 * inside the other so that every slice is segmented once and its pages go to every stack.
 */
final class StagedStacks {
    private StagedStacks() {}

    /** One output stack: its file and the bytes of one sample (1 or 2). */
    record Target(Path file, int bytesPerSample) {}

    interface Body {
        /** Writes every page to every stack, in the order of the targets. */
        void run(List<TiffStackWriter> stacks) throws IOException;
    }

    /** Opens every target ({@code pages} pages of {@code width × height}), runs the body, closes them. */
    static void write(StagedWrites writes, List<Target> targets, long pages, int width, int height, Body body)
            throws IOException {
        open(writes, targets, pages, width, height, body, new ArrayList<>());
    }

    private static void open(
            StagedWrites writes,
            List<Target> targets,
            long pages,
            int width,
            int height,
            Body body,
            List<TiffStackWriter> opened)
            throws IOException {
        if (opened.size() == targets.size()) {
            body.run(opened);
            return;
        }
        Target t = targets.get(opened.size());
        writes.write(t.file(), stream -> {
            try (TiffStackWriter w = TiffStackWriter.open(stream, pages, width, height, t.bytesPerSample())) {
                opened.add(w);
                open(writes, targets, pages, width, height, body, opened);
            }
        });
    }
}
