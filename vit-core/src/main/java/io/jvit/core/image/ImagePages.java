package io.jvit.core.image;

import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pages of an image file: one for PNG and JPEG, one per image of a multi-page TIFF (a stack of micrographs).
 * {@link #list} reads only the headers (sizes), so a folder can be planned, and checked, before any pixel is decoded;
 * {@link #read} decodes one page. A single-page file is read by {@link ImageLoader#read}, exactly as elsewhere.
 */
public final class ImagePages {
    private ImagePages() {}

    /**
     * One page of a file.
     *
     * @param index 0-based page number
     * @param count pages in the file
     */
    public record Page(Path file, int index, int count, int width, int height) {
        /** "file" for a single page, "file page 3/12" (1-based) otherwise, for messages. */
        public String describe() {
            return count == 1 ? file.toString() : file + " page " + (index + 1) + "/" + count;
        }
    }

    /**
     * The pages of {@code file} with their sizes, from the headers; a file that is not a readable image is refused.
     *
     * @throws BadInputException for every problem with the file, as {@link ImageLoader#read} ({@code IOException}
     *         stays in the signature for the callers written against it; it is not thrown)
     */
    public static List<Page> list(Path file) throws IOException {
        return withReader(file, r -> {
            int n = r.getNumImages(true);
            if (n < 1) throw new BadInputException(file, "no image in the file");
            List<Page> pages = new ArrayList<>(n);
            for (int i = 0; i < n; i++) pages.add(new Page(file, i, n, r.getWidth(i), r.getHeight(i)));
            return pages;
        });
    }

    /**
     * The name of a page's output file: {@code stem + extension} for a single page, {@code stem_p003 + extension}
     * (1-based, at least 3 digits) for a page of a stack; {@code ./vit features} and {@code ./vit spark features} name
     * their {@code .npy} files so.
     */
    public static String outputName(Page p, String extension) {
        String f = p.file().getFileName().toString();
        int dot = f.lastIndexOf('.');
        String stem = dot > 0 ? f.substring(0, dot) : f;
        if (p.count() == 1) return stem + extension;
        int digits = Math.max(3, String.valueOf(p.count()).length());
        return String.format(java.util.Locale.ROOT, "%s_p%0" + digits + "d%s", stem, p.index() + 1, extension);
    }

    /** Decodes a page, with {@link ImageLoader#read}'s checks of its size and strips first; throws as {@link #list}. */
    public static Image read(Page page) throws IOException {
        if (page.count() == 1) return ImageLoader.read(page.file());
        Path file = page.file();
        int i = page.index();
        return ImageLoader.fromBuffered(withReader(file, r -> {
            long w = r.getWidth(i), h = r.getHeight(i);
            if (w < 1 || h < 1 || w * h > ImageLoader.MAX_PIXELS)
                throw new BadInputException(file, "page " + (i + 1) + " declares " + w + "×" + h + " pixels");
            ImageLoader.requireDecodable(file, r, i, w * h);
            TiffChecks.requireWithin(file, r, i, Files.size(file));
            return r.read(i);
        }));
    }

    // not seek-forward-only: pages are addressed by index
    private static <T> T withReader(Path file, ImageReaders.Task<T> task) throws IOException {
        return ImageReaders.with(file, false, true, task);
    }
}
