package io.jvit.segment;

import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.ImagePages;
import io.jvit.core.image.TiffStackWriter;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A saved segmenter applied to image files, as {@code ./vit segment --apply-to} and {@code ./vit spark segment} both
 * do it: the label file's name ({@code <stem>_segmented.png}, or {@code .tif} for a stack), its content (8-bit grey,
 * or 16-bit for grey values above 255) and the segmentation of a page (the classifier, then the CRF if asked).
 */
public final class LabelFiles {
    private LabelFiles() {}

    /**
     * What segments one image: the segmenter, the ViT that gives its features (null for classical features only),
     * the CRF's parameters (null: no CRF) and the threads of the CRF.
     */
    public record Pipeline(Segmenter segmenter, FastViT vit, DenseCrf.Params crf, int threads) {
        public Segmenter.Result segment(Image image) {
            Segmenter.Result r = segmenter.apply(image, vit);
            return crf == null ? r : DenseCrf.refine(r, image, crf, threads);
        }
    }

    /** {@code <stem>_segmented.png} for a single image, {@code <stem>_segmented.tif} for a stack of pages. */
    public static String targetName(Path image, int pages) {
        return image.getFileName().toString().replaceFirst("\\.[^.]+$", "")
                + (pages > 1 ? "_segmented.tif" : "_segmented.png");
    }

    /**
     * Segments every page of {@code file} and writes the label file's bytes: a PNG for one page, a multi-page TIFF
     * (Deflate) for a stack, whose pages must have one size. {@code afterPage} runs after each page (progress).
     */
    public static AtomicFiles.Writer writer(Pipeline pipeline, List<ImagePages.Page> pages, Runnable afterPage) {
        requireOneSize(pages);
        if (pages.size() == 1)
            return out -> {
                Image im = ImageLoader.read(pages.get(0).file());
                Segmenter.Result r = pipeline.segment(im);
                BufferedImage png = labelImage(r.labels(), r.height(), r.width(), max(r.labels()));
                afterPage.run();
                ImageIO.write(png, "png", out);
            };
        int max = Arrays.stream(pipeline.segmenter().classValues()).max().orElse(0);
        int w = pages.get(0).width(), h = pages.get(0).height();
        return out -> {
            // BigTIFF when the stack could pass 4 GiB, as ./vit segment writes a single stack
            try (TiffStackWriter stack = TiffStackWriter.open(out, pages.size(), w, h, max > 255 ? 2 : 1)) {
                for (ImagePages.Page page : pages) {
                    Segmenter.Result r = pipeline.segment(ImagePages.read(page));
                    stack.add(labelImage(r.labels(), r.height(), r.width(), max));
                    afterPage.run();
                }
            }
        };
    }

    /** The PNG of a label map (8-bit, or 16-bit for grey values above 255). */
    public static AtomicFiles.Writer png(int[] labels, int h, int w) {
        BufferedImage im = labelImage(labels, h, w, max(labels));
        return out -> ImageIO.write(im, "png", out);
    }

    /** Every page of a stack has one size; else the file and the first page that differs are named. */
    public static void requireOneSize(List<ImagePages.Page> pages) {
        ImagePages.Page a = pages.get(0);
        for (ImagePages.Page p : pages)
            if (p.width() != a.width() || p.height() != a.height())
                throw new BadInputException(
                        p.file(),
                        "page " + (p.index() + 1) + " of " + pages.size() + " is " + p.width() + "×" + p.height()
                                + " but page 1 is " + a.width() + "×" + a.height()
                                + ": a stack's pages must have one size");
    }

    /** A file name ends in .tif or .tiff (any case). */
    public static boolean tiff(Path p) {
        return p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.tiff?");
    }

    private static int max(int[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    /** A label map as an 8-bit grey image, or 16-bit when {@code max} exceeds 255. */
    public static BufferedImage labelImage(int[] v, int h, int w, int max) {
        BufferedImage im =
                new BufferedImage(w, h, max > 255 ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        var raster = im.getRaster();
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) raster.setSample(x, y, 0, v[y * w + x]);
        return im;
    }
}
