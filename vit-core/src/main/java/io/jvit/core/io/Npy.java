package io.jvit.core.io;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy {@code .npy} files of float32 in C order: feature maps to and from Python. Reading throws only
 * {@link BadInputException}.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * Longest header read: NumPy itself refuses headers over 10,000 bytes unless told otherwise; a header that says it
     * is longer than this (or than the file) is refused before anything is allocated.
     */
    static final int MAX_HEADER = 1 << 16;

    /**
     * Reads a little-endian float32 C-order array.
     *
     * @throws BadInputException for every problem with the file (missing, unreadable, not a .npy, another dtype,
     *         a header or shape that does not fit the file), with a message naming the file; sizes are checked against
     *         the file's length before anything is allocated. ({@code IOException} stays in the signature for the
     *         callers written against it; it is not thrown.)
     */
    public static INDArray read(Path file) throws IOException {
        Floats f = readFloats(file);
        return f.shape().length == 0 ? Nd4j.scalar(f.data()[0]) : Nd4j.create(f.data(), f.shape(), 'c');
    }

    /** A float32 array as read from a .npy: its values in C order and its shape. */
    public record Floats(float[] data, long[] shape) {}

    /** {@link #read} without ND4J: the same checks, the values as a float array. */
    public static Floats readFloats(Path file) {
        if (!Files.isRegularFile(file)) throw bad(file, "no such file");
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw bad(file, "cannot read: " + BadInputException.describe(e));
        }
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            byte[] magic = new byte[6];
            if (in.readNBytes(magic, 0, 6) != 6 || !java.util.Arrays.equals(magic, MAGIC))
                throw bad(file, "not a .npy file (bad magic)");
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                prefix = 10;
            } else if (major == 2 || major == 3) {
                headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
                prefix = 12;
            } else throw bad(file, "unsupported .npy version " + major);
            if (headerLen > MAX_HEADER || headerLen > size - prefix)
                throw bad(
                        file,
                        "header length " + headerLen + " is beyond "
                                + (headerLen > MAX_HEADER
                                        ? "the " + MAX_HEADER + "-byte limit"
                                        : "the file's " + size + " bytes"));
            byte[] h = new byte[(int) headerLen];
            in.readFully(h);
            String header = new String(h, StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header), o = ORDER.matcher(header), s = SHAPE.matcher(header);
            if (!d.find() || !o.find() || !s.find()) throw bad(file, "malformed .npy header: " + printable(header));
            if (!d.group(1).equals("<f4") && !d.group(1).equals("=f4"))
                throw bad(file, "dtype is '" + printable(d.group(1)) + "', expected float32 ('<f4')");
            if (o.group(1).equals("True"))
                throw bad(file, "Fortran-ordered arrays are not supported (save with C order)");
            long[] shape = shape(file, s.group(1));
            long n = 1;
            for (long x : shape) {
                n = x == 0 ? 0 : n <= Integer.MAX_VALUE / x ? n * x : Long.MAX_VALUE;
            }
            if (n > Integer.MAX_VALUE - 8)
                throw bad(file, "shape " + java.util.Arrays.toString(shape) + " is over 2^31 elements");
            long data = size - prefix - headerLen;
            if (n * 4 > data)
                throw bad(
                        file,
                        "truncated: header promises " + n + " floats (" + n * 4 + " bytes), the file holds " + data);
            byte[] bytes = new byte[(int) n * 4];
            in.readFully(bytes);
            float[] v = new float[(int) n];
            ByteBuffer.wrap(bytes)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(v);
            return new Floats(v, shape);
        } catch (BadInputException e) {
            throw e;
        } catch (java.io.EOFException e) {
            throw bad(file, "truncated file");
        } catch (IOException | RuntimeException e) {
            throw bad(file, "cannot read: " + BadInputException.describe(e));
        }
    }

    /** The dimensions of a header's shape tuple; each a non-negative integer. */
    private static long[] shape(Path file, String tuple) {
        List<Long> dims = new ArrayList<>();
        for (String part : tuple.split(",")) {
            if (part.isBlank()) continue;
            String t = part.trim().replaceFirst("L$", ""); // Python 2 wrote 3L
            if (!t.matches("\\d{1,18}"))
                throw bad(file, "shape entry '" + printable(t) + "' is not a non-negative integer");
            dims.add(Long.parseLong(t));
        }
        if (dims.size() > 32) throw bad(file, "shape has " + dims.size() + " dimensions (NumPy allows 32)");
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Header text as a short printable line (a corrupt header can hold control characters and run for kilobytes). */
    private static String printable(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?").trim();
        return t.length() > 120 ? t.substring(0, 120) + "…" : t;
    }

    private static BadInputException bad(Path file, String msg) {
        return new BadInputException(file, msg);
    }

    /** Writes {@code a} as float32, C order, atomically. */
    public static void write(Path file, INDArray a) throws IOException {
        write(file, a.castTo(DataType.FLOAT).dup('c').data().asFloat(), a.shape());
    }

    /** Writes {@code data}, row-major with the given shape, as float32 (no ND4J), atomically. */
    public static void write(Path file, float[] data, long... dims) throws IOException {
        AtomicFiles.write(file, writer(data, dims));
    }

    /** The bytes of {@code data} as a .npy, for {@link AtomicFiles} or {@link StagedWrites}. */
    public static AtomicFiles.Writer writer(float[] data, long... dims) {
        long count = 1;
        for (long x : dims) count *= x;
        if (count != data.length)
            throw new IllegalArgumentException(
                    data.length + " floats do not fill shape " + java.util.Arrays.toString(dims));
        StringBuilder shape = new StringBuilder();
        for (long x : dims) shape.append(x).append(", ");
        if (dims.length > 1) shape.setLength(shape.length() - 2);
        else if (dims.length == 1) shape.setLength(shape.length() - 1);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
                + shape.toString().trim() + "), }";
        int total = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        return out -> {
            out.write(MAGIC);
            out.write(new byte[] {1, 0});
            int len = header.length();
            out.write(new byte[] {(byte) (len & 0xff), (byte) (len >>> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            out.write(b.array());
        };
    }
}
