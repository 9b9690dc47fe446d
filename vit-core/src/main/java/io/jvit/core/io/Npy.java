package io.jvit.core.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

/** NumPy {@code .npy} files of float32 in C order: feature maps to and from Python. */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads a little-endian float32 C-order array; anything else is refused with a message naming the file. */
    public static INDArray read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            byte[] magic = new byte[6];
            if (in.read(magic) != 6 || !java.util.Arrays.equals(magic, MAGIC)) throw bad(file, "not a .npy file (bad magic)");
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            int headerLen;
            if (major == 1) headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            else if (major == 2 || major == 3) headerLen = Integer.reverseBytes(in.readInt());
            else throw bad(file, "unsupported .npy version " + major);
            byte[] h = new byte[headerLen];
            in.readFully(h);
            String header = new String(h, StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header), o = ORDER.matcher(header), s = SHAPE.matcher(header);
            if (!d.find() || !o.find() || !s.find()) throw bad(file, "malformed .npy header: " + header.trim());
            if (!d.group(1).equals("<f4") && !d.group(1).equals("=f4"))
                throw bad(file, "dtype is '" + d.group(1) + "', expected float32 ('<f4')");
            if (o.group(1).equals("True")) throw bad(file, "Fortran-ordered arrays are not supported (save with C order)");
            List<Long> dims = new ArrayList<>();
            for (String part : s.group(1).split(",")) if (!part.isBlank()) dims.add(Long.parseLong(part.trim()));
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            long n = 1;
            for (long x : shape) n *= x;
            byte[] data = new byte[Math.toIntExact(n * 4)];
            try {
                in.readFully(data);
            } catch (java.io.EOFException e) {
                throw bad(file, "truncated: header promises " + n + " floats");
            }
            float[] v = new float[(int) n];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c');
        }
    }

    private static IOException bad(Path file, String msg) { return new IOException(file + ": " + msg); }

    /** Writes {@code a} as float32, C order, atomically. */
    public static void write(Path file, INDArray a) throws IOException {
        write(file, a.castTo(DataType.FLOAT).dup('c').data().asFloat(), a.shape());
    }

    /** Writes {@code data}, row-major with the given shape, as float32 (no ND4J), atomically. */
    public static void write(Path file, float[] data, long... dims) throws IOException {
        long count = 1;
        for (long x : dims) count *= x;
        if (count != data.length) throw new IllegalArgumentException(data.length + " floats do not fill shape " + java.util.Arrays.toString(dims));
        StringBuilder shape = new StringBuilder();
        for (long x : dims) shape.append(x).append(", ");
        if (dims.length > 1) shape.setLength(shape.length() - 2);
        else if (dims.length == 1) shape.setLength(shape.length() - 1);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape.toString().trim() + "), }";
        int total = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        AtomicFiles.write(file, out -> {
            out.write(MAGIC);
            out.write(new byte[]{1, 0});
            int len = header.length();
            out.write(new byte[]{(byte) (len & 0xff), (byte) (len >>> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            out.write(b.array());
        });
    }
}
