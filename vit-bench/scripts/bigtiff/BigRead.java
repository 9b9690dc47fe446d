import io.jvit.core.image.Image;
import io.jvit.core.image.ImagePages;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** Lists the stack's pages and checks the first, a middle and the last page pixel for pixel against the generator. */
public class BigRead {
    public static void main(String[] a) throws Exception {
        Path in = Path.of(a[0]);
        long t0 = System.nanoTime();
        List<ImagePages.Page> pages = ImagePages.list(in);
        System.err.printf("%d pages of %d×%d (%.0f s)%n", pages.size(), pages.get(0).width(), pages.get(0).height(),
                (System.nanoTime() - t0) / 1e9);
        for (int p : new int[] {0, pages.size() / 2, pages.size() - 1}) {
            Image img = ImagePages.read(pages.get(p));
            byte[] want = new byte[img.width() * img.height()];
            new SplittableRandom(p).nextBytes(want);
            want[0] = (byte) p;
            float[] px = img.pixels();
            int bad = 0;
            for (int i = 0; i < want.length; i++) if (Math.round(px[i] * 255f) != (want[i] & 0xFF)) bad++; // pixels are v / 255
            System.err.printf("page %d: %d of %d pixels differ (%.0f s)%n", p + 1, bad, want.length, (System.nanoTime() - t0) / 1e9);
        }
    }
}
