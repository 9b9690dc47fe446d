package io.jvit.core.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** {@code torch.save} zips written and rewritten by hand: the entries of a fixture, or a pickle with chosen fields. */
public final class TorchFiles {
    private TorchFiles() {}

    /** The entries of a zip, in order. */
    public static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (var e : java.util.Collections.list(z.entries()))
                out.put(e.getName(), z.getInputStream(e).readAllBytes());
        }
        return out;
    }

    /** A zip of {@code entries}, stored (as torch writes them) except those named in {@code deflated}. */
    public static byte[] zip(Map<String, byte[]> entries, java.util.Set<String> deflated) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (!deflated.contains(e.getKey())) {
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    ze.setCrc(crc.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Name of the pickle entry in a fixture's zip ({@code <archive>/data.pkl}). */
    public static String pickleName(Map<String, byte[]> entries) {
        return entries.keySet().stream()
                .filter(k -> k.endsWith("data.pkl"))
                .findFirst()
                .orElseThrow();
    }

    /** A protocol-2 pickle written opcode by opcode. */
    public static final class Pickle {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        public Pickle() {
            op(0x80).op(2);
        }

        public Pickle op(int code) {
            b.write(code);
            return this;
        }

        public Pickle global(String module, String name) {
            op('c');
            b.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public Pickle str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op('X').le(u.length, 4);
            b.writeBytes(u);
            return this;
        }

        /** Any long, as LONG1 (8 bytes, two's complement). */
        public Pickle integer(long v) {
            op(0x8a).op(8).le(v, 8);
            return this;
        }

        public Pickle le(long v, int width) {
            for (int i = 0; i < width; i++) b.write((int) (v >>> (8 * i)));
            return this;
        }

        public Pickle tuple(long... v) {
            op('(');
            for (long x : v) integer(x);
            return op('t');
        }

        public Pickle orderedDict() {
            return global("collections", "OrderedDict").op(')').op('R');
        }

        /** A tensor over storage {@code key} of {@code numel} floats. */
        public Pickle tensor(String key, long numel, long offset, long[] shape, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').str("storage")
                    .global("torch", "FloatStorage")
                    .str(key)
                    .str("cpu")
                    .integer(numel)
                    .op('t')
                    .op('Q');
            integer(offset).tuple(shape).tuple(stride).op(0x89).orderedDict();
            return op('t').op('R');
        }

        public byte[] bytes() {
            return b.toByteArray();
        }
    }

    /** A state dict {@code {name: tensor}} as a torch zip, with the storage's bytes as given. */
    public static byte[] stateDict(
            String name, long numel, long offset, long[] shape, long[] stride, byte[] storage, boolean deflate)
            throws IOException {
        byte[] pkl = new Pickle()
                .orderedDict()
                .str(name)
                .tensor("0", numel, offset, shape, stride)
                .op('s')
                .op('.')
                .bytes();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pkl);
        e.put("archive/data/0", storage);
        e.put("archive/version", "3\n".getBytes(StandardCharsets.UTF_8));
        return zip(e, deflate ? java.util.Set.of("archive/data/0") : java.util.Set.of());
    }

    public static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }
}
