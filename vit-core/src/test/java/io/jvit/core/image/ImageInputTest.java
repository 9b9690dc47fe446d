package io.jvit.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.Fixtures;
import io.jvit.core.io.Npy;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageInputTest {
    @TempDir
    Path dir;

    @Test
    void sixteenBitGreyTiffKeepsFullRangeAndBecomesRgb() throws Exception {
        BufferedImage img = new BufferedImage(30, 20, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(3, 2, 0, 65535);
        img.getRaster().setSample(4, 2, 0, 1000);
        Path f = dir.resolve("grey16.tif");
        assertThat(ImageIO.write(img, "tiff", f.toFile())).isTrue();
        Image read = ImageLoader.read(f);
        assertThat(read.channels()).isEqualTo(1);
        assertThat(read.bitDepth()).isEqualTo(16);
        assertThat((double) read.pixels()[2 * 30 + 3]).isEqualTo(1.0);
        assertThat((double) read.pixels()[2 * 30 + 4]).isCloseTo(1000 / 65535.0, within(1e-7));
        var t = new Preprocessor(14, Preprocessor.ResizePolicy.NONE).tensor(read);
        assertThat(t.shape()).containsExactly(1, 3, 14, 28);
        // grey replicated to all 3 channels, each with its own ImageNet normalisation
        assertThat(t.getDouble(0, 2, 2, 3)).isCloseTo((1.0 - 0.406) / 0.225, within(1e-5));
        assertThat(t.getDouble(0, 0, 2, 3)).isCloseTo((1.0 - 0.485) / 0.229, within(1e-5));
    }

    @Test
    void rgbPngIsNormalisedPerChannel() throws Exception {
        Image im = ImageLoader.read(Fixtures.parity("rocket_224.png"));
        assertThat(im.channels()).isEqualTo(3);
        BufferedImage ref = ImageIO.read(Fixtures.parity("rocket_224.png").toFile());
        int rgb = ref.getRGB(17, 5);
        assertThat((double) im.pixels()[5 * 224 + 17]).isCloseTo(((rgb >> 16) & 0xff) / 255.0, within(1e-7));
        assertThat((double) im.pixels()[2 * 224 * 224 + 5 * 224 + 17]).isCloseTo((rgb & 0xff) / 255.0, within(1e-7));
    }

    @Test
    void closestLowerMultipleResizesBilinearly() {
        float[] px = new float[3 * 29 * 31];
        java.util.Arrays.fill(px, 0.25f);
        Image fitted =
                new Preprocessor(14, Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE).fit(new Image(px, 3, 29, 31, 8));
        assertThat(fitted.height()).isEqualTo(28);
        assertThat(fitted.width()).isEqualTo(28);
        for (float v : fitted.pixels()) assertThat((double) v).isCloseTo(0.25, within(1e-6));
        Image cropped = new Preprocessor(14, Preprocessor.ResizePolicy.NONE).fit(new Image(px, 3, 29, 31, 8));
        assertThat(cropped.height()).isEqualTo(28);
    }

    @Test
    void unreadableImageNamesTheFile() throws Exception {
        Path f = dir.resolve("broken.png");
        Files.writeString(f, "this is not a png");
        assertThatThrownBy(() -> ImageLoader.read(f))
                .isInstanceOf(io.jvit.core.io.BadInputException.class)
                .hasMessageStartingWith(f + ": ");
    }

    @Test
    void imageSmallerThanOnePatch() {
        Image tiny = new Image(new float[13 * 40], 1, 13, 40, 8);
        assertThatThrownBy(() -> new Preprocessor(14, Preprocessor.ResizePolicy.NONE).fit(tiny))
                .hasMessageContaining("smaller than one 14×14 patch");
    }

    @Test
    void npyOfTheWrongDtypeIsRefused() throws Exception {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
        String header = dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
                .putShort((short) header.length())
                .put(header.getBytes());
        b.putDouble(1).putDouble(2);
        Path f = dir.resolve("f64.npy");
        Files.write(f, b.array());
        assertThatThrownBy(() -> Npy.read(f))
                .isInstanceOf(io.jvit.core.io.BadInputException.class)
                .hasMessage(f + ": dtype is '<f8', expected float32 ('<f4')");
    }
}
