package io.jvit.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.io.BadInputException;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BigTIFF stacks read (and written) as classic TIFF stacks are. */
class BigTiffTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws Exception {
        return Path.of(BigTiffTest.class.getResource("/bigtiff/" + name).toURI());
    }

    /** Every page of a file, decoded. */
    private static List<Image> pages(Path f) throws Exception {
        List<Image> out = new java.util.ArrayList<>();
        for (ImagePages.Page p : ImagePages.list(f)) out.add(ImagePages.read(p));
        return out;
    }

    private static void assertSamePages(List<Image> a, List<Image> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).height()).isEqualTo(b.get(i).height());
            assertThat(a.get(i).width()).isEqualTo(b.get(i).width());
            assertThat(a.get(i).channels()).isEqualTo(b.get(i).channels());
            assertThat(a.get(i).bitDepth()).isEqualTo(b.get(i).bitDepth());
            assertThat(a.get(i).pixels())
                    .as("page %d", i + 1)
                    .containsExactly(b.get(i).pixels());
        }
    }

    private static BufferedImage page(int type, int w, int h, int seed) {
        BufferedImage im = new BufferedImage(w, h, type);
        int max = type == BufferedImage.TYPE_USHORT_GRAY ? 65535 : 255;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) im.getRaster().setSample(x, y, 0, (x * 37 + y * 101 + seed * 7919) % (max + 1));
        return im;
    }

    private Path write(String name, boolean bigTiff, int type) throws Exception {
        Path f = dir.resolve(name);
        try (OutputStream s = Files.newOutputStream(f);
                TiffStackWriter w = TiffStackWriter.open(s, bigTiff)) {
            for (int i = 0; i < 3; i++) w.add(page(type, 23, 17, i));
        }
        return f;
    }

    @Test
    void bigTiffWrittenByTifffileReadsEqualToTheClassicTiff() throws Exception {
        // written by src/test/resources/bigtiff/make_fixtures.py (Python's tifffile): 3 pages of 24×20
        for (String kind : List.of("u8_deflate", "u16_deflate", "u16_raw")) {
            Path big = fixture("stack_" + kind + ".btf"), classic = fixture("stack_" + kind + ".tif");
            assertThat(BigTiff.is(big)).as(kind).isTrue();
            assertThat(BigTiff.is(classic)).as(kind).isFalse();
            List<Image> b = pages(big);
            assertThat(b).hasSize(3);
            assertThat(b.get(0).bitDepth()).isEqualTo(kind.startsWith("u16") ? 16 : 8);
            assertSamePages(b, pages(classic));
        }
        // one value checked by hand: the script writes page p, row y, column x as (p·1000 + y·24 + x) mod 2^bits
        Image p2 = pages(fixture("stack_u16_deflate.btf")).get(2);
        assertThat((double) p2.pixels()[5 * 24 + 7])
                .isEqualTo((2000 + 5 * 24 + 7) / 65535.0, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void bigTiffWrittenHereReadsBackAsTheClassicTiff() throws Exception {
        for (int type : new int[] {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_USHORT_GRAY}) {
            Path big = write("big" + type + ".tif", true, type),
                    classic = write("classic" + type + ".tif", false, type);
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(big), 4);
            assertThat(head[2] == 43 || head[3] == 43)
                    .as("BigTIFF version 43 in the header")
                    .isTrue();
            assertThat(BigTiff.is(classic)).isFalse();
            List<Image> b = pages(big);
            assertSamePages(b, pages(classic));
            Image want = ImageLoader.fromBuffered(page(type, 23, 17, 2));
            assertThat(b.get(2).pixels()).containsExactly(want.pixels());
        }
    }

    @Test
    void lzwBigTiffReadsBackAsTheClassicTiff() throws Exception {
        Path big = dir.resolve("lzw.btf");
        javax.imageio.ImageWriter w = BigTiff.writer();
        try (var out = javax.imageio.ImageIO.createImageOutputStream(big.toFile())) {
            w.setOutput(out);
            javax.imageio.ImageWriteParam param = w.getDefaultWriteParam();
            param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType("LZW");
            w.prepareWriteSequence(null);
            for (int i = 0; i < 3; i++)
                w.writeToSequence(
                        new javax.imageio.IIOImage(page(BufferedImage.TYPE_BYTE_GRAY, 23, 17, i), null, null), param);
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
        assertThat(BigTiff.is(big)).isTrue();
        assertSamePages(pages(big), pages(write("classic.tif", false, BufferedImage.TYPE_BYTE_GRAY)));
    }

    @Test
    void aStackThatCouldPassFourGigabytesIsWrittenAsBigTiff() throws Exception {
        Path f = dir.resolve("x.tif");
        try (OutputStream s = Files.newOutputStream(f);
                TiffStackWriter w = TiffStackWriter.open(s, 16385, 512, 512, 1)) { // 16385 × 512² bytes > 4 GiB
            w.add(page(BufferedImage.TYPE_BYTE_GRAY, 8, 8, 0));
        }
        assertThat(BigTiff.is(f)).isTrue();
        try (OutputStream s = Files.newOutputStream(f);
                TiffStackWriter w = TiffStackWriter.open(s, 16383, 512, 512, 1)) {
            w.add(page(BufferedImage.TYPE_BYTE_GRAY, 8, 8, 0));
        }
        assertThat(BigTiff.is(f)).isFalse();
    }

    @Test
    void aTruncatedBigTiffIsRefusedNamingTheFile() throws Exception {
        Path big = write("big.tif", true, BufferedImage.TYPE_BYTE_GRAY);
        byte[] all = Files.readAllBytes(big);
        Path cut = dir.resolve("cut.tif");
        Files.write(cut, java.util.Arrays.copyOf(all, 40));
        assertThatThrownBy(() -> pages(cut))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(cut + ": ");
    }

    @Test
    void aBigTiffStripBeyondTheEndOfTheFileIsRefusedBeforeDecoding() throws Exception {
        byte[] b = Files.readAllBytes(write("big.tif", true, BufferedImage.TYPE_BYTE_GRAY));
        java.nio.ByteOrder order = b[0] == 'I' ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(order);
        int ifd = (int) buf.getLong(8);
        long entries = buf.getLong(ifd);
        int at = -1;
        for (int i = 0; i < entries; i++) {
            int e = ifd + 8 + 20 * i;
            if ((buf.getShort(e) & 0xffff) == 279 && buf.getLong(e + 4) == 1) at = e; // StripByteCounts, one strip
        }
        assertThat(at).as("a one-strip StripByteCounts entry").isPositive();
        int type = buf.getShort(at + 2) & 0xffff; // LONG (4) or LONG8 (16): the value is inline either way
        if (type == 16) buf.putLong(at + 12, 1L << 40);
        else buf.putInt(at + 12, Integer.MAX_VALUE);
        Path f = dir.resolve("hostile.tif");
        Files.write(f, b);
        assertThatThrownBy(() -> pages(f))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining("lies beyond the end of the file");
    }
}
