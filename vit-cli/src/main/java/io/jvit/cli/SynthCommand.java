package io.jvit.cli;

import io.jvit.core.image.Image;
import io.jvit.core.io.AtomicFiles;
import io.jvit.probe.synthetic.HardMicrograph;
import io.jvit.probe.synthetic.Microstructure;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vit synth}: writes generated homogeneous microstructures as 8-bit PNGs (for probing, retrofits, demos), or
 * hard micrographs for segmentation ({@code --kind hard3}, {@code hard4}: the image, its dense truth and its scribbles,
 * class k of K written as grey value round(255·k/K)).
 */
@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        description = "Write synthetic homogeneous microstructures as PNG files.")
final class SynthCommand implements Callable<Integer> {
    @Option(
            names = "--kind",
            defaultValue = "all",
            description =
                    "grf, voronoi, particles, spinodal, noise, all, or hard3…hard6 (segmentation: image, truth and scribbles; default ${DEFAULT-VALUE})")
    String kind;

    @Option(
            names = {"-n", "--count"},
            defaultValue = "10",
            description = "images (default ${DEFAULT-VALUE}); with all, spread over the kinds")
    int count;

    @Option(names = "--size", defaultValue = "518", description = "side in pixels (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--seed", defaultValue = "0", description = "first seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "DIR",
            description = "output folder")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (count < 1) throw new IllegalArgumentException("--count must be >= 1, got " + count);
        if (kind.toLowerCase(java.util.Locale.ROOT).matches("hard[0-9]+"))
            return hard(Integer.parseInt(kind.substring(4)));
        List<Microstructure> kinds =
                kind.equalsIgnoreCase("all") ? List.of(Microstructure.values()) : List.of(Microstructure.parse(kind));
        Files.createDirectories(out);
        for (int i = 0; i < count; i++) {
            Microstructure m = kinds.get(i % kinds.size());
            Image im = m.generate(size, size, seed + i);
            BufferedImage b = new BufferedImage(
                    size, size, im.channels() == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
            int plane = size * size;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    int p = y * size + x;
                    if (im.channels() == 1) b.getRaster().setSample(x, y, 0, Math.round(im.pixels()[p] * 255));
                    else
                        b.setRGB(
                                x,
                                y,
                                (Math.round(im.pixels()[p] * 255) << 16)
                                        | (Math.round(im.pixels()[plane + p] * 255) << 8)
                                        | Math.round(im.pixels()[2 * plane + p] * 255));
                }
            Path f = out.resolve(String.format("%s_%03d.png", m.key, i));
            AtomicFiles.write(f, s -> ImageIO.write(b, "png", s));
        }
        System.err.printf("wrote %d images (%d²) to %s%n", count, size, out);
        return 0;
    }

    private int hard(int phases) throws java.io.IOException {
        if (phases < 3 || phases > 6)
            throw new IllegalArgumentException("--kind hardN takes N = 3 to 6 phases, got " + phases);
        Files.createDirectories(out);
        for (int i = 0; i < count; i++) {
            HardMicrograph.Sample s = HardMicrograph.generate(size, size, phases, seed + i);
            String base = String.format("hard%d_%03d", phases, seed + i);
            float[] px = s.image().pixels();
            int[] grey = new int[px.length], truth = new int[px.length], scrib = new int[px.length];
            for (int p = 0; p < px.length; p++) {
                grey[p] = Math.round(px[p] * 255);
                truth[p] = Math.round(255f * s.truth()[p] / phases);
                scrib[p] = Math.round(255f * s.scribbles()[p] / phases);
            }
            writeGrey(out.resolve(base + ".png"), grey);
            writeGrey(out.resolve(base + "_truth.png"), truth);
            writeGrey(out.resolve(base + "_scribbles.png"), scrib);
        }
        System.err.printf(
                "wrote %d hard %d-phase micrographs (%d², with _truth and _scribbles) to %s%n",
                count, phases, size, out);
        return 0;
    }

    private void writeGrey(Path f, int[] v) throws java.io.IOException {
        BufferedImage b = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) b.getRaster().setSample(x, y, 0, v[y * size + x]);
        AtomicFiles.write(f, s -> ImageIO.write(b, "png", s));
    }
}
