package io.jvit.bench.onnx;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an ONNX Runtime user writes around the session, in plain Java (no ND4J, so the peer's cold start is its
 * own): the image as (1, 3, H, W) ImageNet-normalised floats, and the features as a float32 .npy.
 */
final class OrtImages {
    private OrtImages() {}

    static final float[] MEAN = {0.485f, 0.456f, 0.406f}, STD = {0.229f, 0.224f, 0.225f};

    /** (1, 3, H, W) of an 8-bit grey or RGB image, cropped to multiples of {@code patch}. */
    static float[] read(Path file, int patch, int[] hw) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) throw new IOException(file + ": not an image ImageIO can read");
        int h = img.getHeight() / patch * patch, w = img.getWidth() / patch * patch;
        hw[0] = h;
        hw[1] = w;
        float[] x = new float[3 * h * w];
        // 8-bit grey: the samples themselves (getRGB would convert them from linear grey to sRGB, as PIL does not)
        boolean grey = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
        java.awt.image.Raster raster = img.getRaster();
        for (int y = 0; y < h; y++)
            for (int i = 0; i < w; i++) {
                int rgb = grey ? raster.getSample(i, y, 0) * 0x010101 : img.getRGB(i, y);
                for (int ch = 0; ch < 3; ch++) {
                    float v = ((rgb >> (16 - 8 * ch)) & 0xff) / 255f;
                    x[(ch * h + y) * w + i] = (v - MEAN[ch]) / STD[ch];
                }
            }
        return x;
    }

    /** A float32 .npy of the given shape. */
    static void writeNpy(Path file, float[] data, long... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.toString().replaceAll(", $", shape.length == 1 ? "," : "") + "), }";
        int total = 10 + header.length() + 1, pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        try (OutputStream os = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(os)) {
            out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(header.length() & 0xff);
            out.write(header.length() >> 8);
            out.writeBytes(header);
            out.write(buf.array());
        }
    }
}
