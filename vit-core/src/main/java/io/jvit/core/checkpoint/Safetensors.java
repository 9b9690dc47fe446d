package io.jvit.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.io.AtomicFiles;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code .safetensors} format: an 8-byte little-endian header length, a JSON header
 * ({@code name → {dtype, shape, data_offsets}}, plus optional {@code __metadata__} strings), then raw data.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Tensors and the header's string metadata. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

    public static Contents read(Path file) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, String> meta = scan(file, (name, dt, shape, bytes) -> {
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
    public record FloatContents(Map<String, float[]> tensors, Map<String, long[]> shapes, Map<String, String> metadata) {}

    public static FloatContents readFloats(Path file) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, String> meta = scan(file, (name, dt, shape, bytes) -> {
            if (!dt.isFloating()) throw new CheckpointException(file, "tensor '" + name + "' is " + dt + ", not floating point");
            tensors.put(name, dt.toFloats(bytes));
            shapes.put(name, shape);
        });
        return new FloatContents(tensors, shapes, meta);
    }

    /** The header's string metadata only (the header is validated; no tensor data is read). */
    public static Map<String, String> metadata(Path file) { return scan(file, null); }

    private interface TensorSink { void accept(String name, DType dtype, long[] shape, byte[] bytes); }

    /** Validates the header, hands every tensor's raw bytes to {@code sink} in file order, returns the metadata. */
    private static Map<String, String> scan(Path file, TensorSink sink) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(file, "too short to be a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000)
                throw new CheckpointException(file, "invalid safetensors header length " + headerLen + " (file has " + size + " bytes)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(file, "safetensors header is not valid JSON");
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode t = e.getValue();
                DType dt = DType.fromSafetensors(t.path("dtype").asText());
                if (dt == null) throw new CheckpointException(file, "tensor '" + e.getKey() + "' has unsupported dtype " + t.path("dtype"));
                long[] shape = new long[t.path("shape").size()];
                long n = 1;
                for (int i = 0; i < shape.length; i++) n *= (shape[i] = t.path("shape").get(i).asLong());
                long begin = t.path("data_offsets").path(0).asLong(-1), end = t.path("data_offsets").path(1).asLong(-1);
                if (begin < 0 || end < begin || end - begin != n * dt.size)
                    throw new CheckpointException(file, "tensor '" + e.getKey() + "' has inconsistent data_offsets");
                if (end > dataLen)
                    throw new CheckpointException(file, "tensor '" + e.getKey() + "' ends at byte " + end
                            + " but only " + dataLen + " data bytes exist (truncated file?)");
                if (sink == null) continue;
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(end - begin));
                readFully(ch, data, dataStart + begin);
                sink.accept(e.getKey(), dt, shape, data.array());
            }
            return meta;
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    /** Writes tensors as F32 (F64 stays F64), atomically. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        Map<String, INDArray> dense = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            INDArray a = e.getValue();
            boolean dbl = a.dataType() == DataType.DOUBLE;
            INDArray c = a.castTo(dbl ? DataType.DOUBLE : DataType.FLOAT).dup('c');
            dense.put(e.getKey(), c);
            long bytes = c.length() * (dbl ? 8 : 4);
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dbl ? "F64" : "F32");
            var shape = t.putArray("shape");
            for (long s : a.shape()) shape.add(s);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] hdr = JSON.writeValueAsBytes(header);
        int pad = (8 - hdr.length % 8) % 8;                      // align the data to 8 bytes, with spaces as the spec allows
        byte[] padded = new byte[hdr.length + pad];
        System.arraycopy(hdr, 0, padded, 0, hdr.length);
        for (int i = hdr.length; i < padded.length; i++) padded[i] = ' ';
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
            out.write(len.array());
            out.write(padded);
            for (INDArray c : dense.values()) {
                ByteBuffer b = ByteBuffer.allocate((int) (c.length() * c.dataType().width())).order(ByteOrder.LITTLE_ENDIAN);
                if (c.dataType() == DataType.DOUBLE) b.asDoubleBuffer().put(c.data().asDouble());
                else b.asFloatBuffer().put(c.data().asFloat());
                out.write(b.array());
            }
        });
    }
}
