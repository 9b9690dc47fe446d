package io.jvit.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@code .safetensors} format: an 8-byte little-endian header length, a JSON header
 * ({@code name → {dtype, shape, data_offsets}}, plus optional {@code __metadata__} strings), then raw data.
 *
 * <p>Every reader here throws {@link CheckpointException} (a {@link BadInputException}) for a file it cannot use, with
 * a message naming the file and the problem; the header is validated in full before any tensor is read.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Duplicate names are refused (which of two entries would win is the parser's whim, not the file's). */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Tensors and the header's string metadata. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

    public static Contents read(Path file) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, String> meta = scan(file, (name, dt, shape, bytes, length) -> {
            long[] stride = new long[shape.length];
            for (int d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) stride[d] = s;
            tensors.put(name, dt.toArray(bytes, 0, shape, stride));
        });
        return new Contents(tensors, meta);
    }

    /**
     * Tensors as float arrays and their shapes, without ND4J (so without loading its native libraries): every
     * floating-point dtype is converted to float; an integer tensor is an error.
     */
    public record FloatContents(
            Map<String, float[]> tensors, Map<String, long[]> shapes, Map<String, String> metadata) {}

    public static FloatContents readFloats(Path file) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, String> meta = scan(file, (name, dt, shape, bytes, length) -> {
            if (!dt.isFloating())
                throw new CheckpointException(file, "tensor '" + name + "' is " + dt + ", not floating point");
            tensors.put(name, dt.toFloats(bytes, length));
            shapes.put(name, shape);
        });
        return new FloatContents(tensors, shapes, meta);
    }

    /** The header's string metadata only (the header is validated; no tensor data is read). */
    public static Map<String, String> metadata(Path file) {
        return scan(file, null);
    }

    private interface TensorSink {
        /** The tensor's bytes are {@code bytes[0, length)}, valid only during the call (the buffer is reused). */
        void accept(String name, DType dtype, long[] shape, byte[] bytes, int length);
    }

    /** A tensor's entry in the header, validated. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    /**
     * Validates the whole header first (sizes, shapes, dtypes, and offsets that tile the data section exactly, as the
     * reference implementation requires: no overlap, no gap, nothing past the end), then hands every tensor's raw bytes
     * to {@code sink} in file order and returns the metadata. Nothing larger than the file is ever allocated.
     */
    private static Map<String, String> scan(Path file, TensorSink sink) {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "no such file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8)
                throw new CheckpointException(file, "too short to be a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000)
                throw new CheckpointException(
                        file, "invalid safetensors header length " + headerLen + " (file has " + size + " bytes)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(
                        file,
                        "safetensors header is not valid JSON ("
                                + BadInputException.describe(e).split(" at \\[Source")[0] + ")");
            }
            if (header == null || !header.isObject())
                throw new CheckpointException(file, "safetensors header is not a JSON object");
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, String> meta = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject())
                        throw new CheckpointException(file, "__metadata__ is not a JSON object");
                    e.getValue().fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual())
                            throw new CheckpointException(
                                    file, "__metadata__ value '" + m.getKey() + "' is not a string");
                        meta.put(m.getKey(), m.getValue().asText());
                    });
                    continue;
                }
                entries.add(entry(file, e.getKey(), e.getValue()));
            }
            // the offsets must tile [0, dataLen): sorted by start, each begins where the previous ended
            List<Entry> byOffset = new ArrayList<>(entries);
            byOffset.sort(java.util.Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long at = 0;
            for (Entry t : byOffset) {
                if (t.begin() < at)
                    throw new CheckpointException(
                            file,
                            "tensor '" + t.name() + "' overlaps another tensor's data (bytes " + t.begin() + "–"
                                    + t.end() + ")");
                if (t.begin() > at)
                    throw new CheckpointException(
                            file,
                            "tensor '" + t.name() + "' starts at byte " + t.begin() + ", leaving a gap after byte "
                                    + at);
                if (t.end() > dataLen)
                    throw new CheckpointException(
                            file,
                            "tensor '" + t.name() + "' ends at byte " + t.end() + " but only " + dataLen
                                    + " data bytes exist (truncated file?)");
                at = t.end();
            }
            if (at != dataLen)
                throw new CheckpointException(
                        file,
                        dataLen - at
                                + " bytes after the last tensor's data (a corrupt header, or not a safetensors file)");
            if (sink == null) return meta;
            // one buffer, as large as the largest tensor, for all of them: the sinks copy out of it, so a load makes
            // no garbage the size of the model (each tensor's bytes used to be a fresh array, ~the model's size in all)
            byte[] buf = new byte
                    [(int) entries.stream()
                            .mapToLong(t -> t.end() - t.begin())
                            .max()
                            .orElse(0)];
            for (Entry t : entries) {
                int length = (int) (t.end() - t.begin());
                readFully(ch, ByteBuffer.wrap(buf, 0, length), dataStart + t.begin());
                sink.accept(t.name(), t.dtype(), t.shape(), buf, length);
            }
            return meta;
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, "cannot read: " + BadInputException.describe(e), e);
        }
    }

    /** One header entry, checked: a known dtype, a shape of non-negative integers, offsets that match the shape's size. */
    private static Entry entry(Path file, String name, JsonNode t) {
        String where = "tensor '" + name + "' ";
        if (!t.isObject()) throw new CheckpointException(file, where + "is not a JSON object in the header");
        DType dt = DType.fromSafetensors(t.path("dtype").asText());
        if (dt == null) throw new CheckpointException(file, where + "has unsupported dtype " + t.path("dtype"));
        JsonNode sh = t.path("shape"), off = t.path("data_offsets");
        if (!sh.isArray() || sh.size() > 16)
            throw new CheckpointException(file, where + "has no valid shape (" + sh + ")");
        long[] shape = new long[sh.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0)
                throw new CheckpointException(file, where + "has shape entry " + d + ", not a non-negative integer");
            shape[i] = d.asLong();
            n = shape[i] == 0 || n == 0 ? 0 : shape[i] > (Integer.MAX_VALUE - 8) / n ? Long.MAX_VALUE : n * shape[i];
        }
        if (n > (Integer.MAX_VALUE - 8) / dt.size)
            throw new CheckpointException(
                    file,
                    where + "has shape " + java.util.Arrays.toString(shape) + ", over the 2 GB a Java array holds");
        if (!off.isArray()
                || off.size() != 2
                || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong()
                || !off.get(1).canConvertToLong())
            throw new CheckpointException(file, where + "has no valid data_offsets (" + off + ")");
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end - begin != n * dt.size)
            throw new CheckpointException(
                    file, where + "has data_offsets [" + begin + ", " + end + "], not its " + n * dt.size + " bytes");
        return new Entry(name, dt, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    /** Writes tensors as F32 (F64 stays F64), atomically. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = header(metadata);
        long offset = 0;
        Map<String, INDArray> dense = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            INDArray a = e.getValue();
            boolean dbl = a.dataType() == DataType.DOUBLE;
            INDArray c = a.castTo(dbl ? DataType.DOUBLE : DataType.FLOAT).dup('c');
            dense.put(e.getKey(), c);
            offset = entry(header, e.getKey(), dbl ? "F64" : "F32", a.shape(), offset, c.length() * (dbl ? 8 : 4));
        }
        byte[] padded = padded(header);
        AtomicFiles.write(file, out -> {
            out.write(length(padded));
            out.write(padded);
            for (INDArray c : dense.values()) {
                ByteBuffer b = ByteBuffer.allocate(
                                (int) (c.length() * c.dataType().width()))
                        .order(ByteOrder.LITTLE_ENDIAN);
                if (c.dataType() == DataType.DOUBLE)
                    b.asDoubleBuffer().put(c.data().asDouble());
                else b.asFloatBuffer().put(c.data().asFloat());
                out.write(b.array());
            }
        });
    }
    /**
     * {@link #write} for float tensors held as arrays (row-major, {@code shapes} giving each one's shape), without ND4J:
     * the same bytes as {@link #write} of the same tensors as float INDArrays. Written in {@code tensors}' order, atomically.
     */
    public static void writeFloats(
            Path file, Map<String, float[]> tensors, Map<String, long[]> shapes, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = header(metadata);
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long[] s = shapes.get(e.getKey());
            long n = 1;
            if (s != null) for (long d : s) n *= d;
            if (s == null || n != e.getValue().length)
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has " + e.getValue().length
                        + " values for shape " + java.util.Arrays.toString(s));
            offset = entry(header, e.getKey(), "F32", s, offset, 4L * e.getValue().length);
        }
        byte[] padded = padded(header);
        AtomicFiles.write(file, out -> {
            out.write(length(padded));
            out.write(padded);
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN); // 1 MiB at a time
            java.nio.FloatBuffer f = b.asFloatBuffer();
            for (float[] a : tensors.values())
                for (int i = 0; i < a.length; i += f.capacity()) {
                    int n = Math.min(f.capacity(), a.length - i);
                    f.clear();
                    f.put(a, i, n);
                    out.write(b.array(), 0, 4 * n);
                }
        });
    }

    /** A header holding the metadata (if any), to which {@link #entry} adds the tensors in file order. */
    private static ObjectNode header(Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        return header;
    }

    /** Adds a tensor of {@code bytes} bytes stored at {@code offset}; returns the offset after it. */
    private static long entry(ObjectNode header, String name, String dtype, long[] shape, long offset, long bytes) {
        ObjectNode t = header.putObject(name);
        t.put("dtype", dtype);
        var dims = t.putArray("shape");
        for (long d : shape) dims.add(d);
        t.putArray("data_offsets").add(offset).add(offset + bytes);
        return offset + bytes;
    }

    /** The header's JSON, padded with spaces to a multiple of 8 bytes (the data stays aligned, as the spec allows). */
    private static byte[] padded(ObjectNode header) throws IOException {
        byte[] hdr = JSON.writeValueAsBytes(header);
        int pad = (8 - hdr.length % 8) % 8;
        byte[] padded = new byte[hdr.length + pad];
        System.arraycopy(hdr, 0, padded, 0, hdr.length);
        for (int i = hdr.length; i < padded.length; i++) padded[i] = ' ';
        return padded;
    }

    /** The 8-byte little-endian header length that starts the file. */
    private static byte[] length(byte[] header) {
        return ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .array();
    }
}
