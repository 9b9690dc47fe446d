import io.jvit.core.image.TiffStackWriter;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A by-hand check that stacks past 4 GiB are written as BigTIFF and read back (docs/segmentation.md):
 *   cp="$(ls vit-cli/target/vit-cli-*.jar | grep -v tests):vit-cli/target/lib/*"
 *   java -cp "$cp" vit-bench/scripts/bigtiff/BigWrite.java big.tif 70 8192   (PAGES SIZE)
 *   java -cp "$cp" vit-bench/scripts/bigtiff/BigRead.java big.tif
 * Writes PAGES pages of SIZE² random 8-bit noise (Deflate cannot shrink it) through TiffStackWriter's size rule.
 */
public class BigWrite {
    public static void main(String[] a) throws Exception {
        Path out = Path.of(a[0]);
        int pages = Integer.parseInt(a[1]), size = Integer.parseInt(a[2]);
        long t0 = System.nanoTime();
        try (OutputStream s = new BufferedOutputStream(new FileOutputStream(out.toFile()), 1 << 20);
                TiffStackWriter w = TiffStackWriter.open(s, pages, size, size, 1)) {
            for (int p = 0; p < pages; p++) {
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
                byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
                new SplittableRandom(p).nextBytes(px);
                px[0] = (byte) p; // page index in the first pixel
                w.add(img);
                if (p % 10 == 0) System.err.printf("page %d, %.0f s%n", p, (System.nanoTime() - t0) / 1e9);
            }
        }
        System.err.printf("wrote %s, %d bytes, %.0f s%n", out, java.nio.file.Files.size(out), (System.nanoTime() - t0) / 1e9);
    }
}
