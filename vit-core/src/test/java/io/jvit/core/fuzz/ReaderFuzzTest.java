package io.jvit.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvit.core.Fixtures;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.checkpoint.Safetensors;
import io.jvit.core.checkpoint.TorchCheckpoint;
import io.jvit.core.fuzz.Contract.Outcome;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.io.Npy;
import io.jvit.core.pe.Pe;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of valid files (bit flips, truncation, length, offset and shape fields set to hostile values,
 * nesting) through every reader of vit-core: each returns or throws {@link io.jvit.core.io.BadInputException} naming
 * the file, within {@link Contract#TIMEOUT} and a bounded heap allocation (see {@link Contract}). The surefire
 * {@code fuzz} execution runs this with a 512 MB heap. A case's name carries its seed: rerun one with
 * {@code -Dtest='ReaderFuzzTest#pth*'} and read the name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReaderFuzzTest {
    private static final long MB = 1 << 20;

    @TempDir
    static Path dir;

    private byte[] pth, jvit, plain, npy, png, jpeg, tiff, grey16, stack, bigStack;

    @BeforeAll
    void seeds() throws Exception {
        pth = Files.readAllBytes(Fixtures.parity("dinov2_official_w128_reg4_d2.pth"));
        Path j = dir.resolve("seed-jvit.safetensors"), p = dir.resolve("seed-plain.safetensors");
        Checkpoints.save(
                j, Checkpoints.load(Fixtures.parity("timm_w128_reg4_d2.pth")).model());
        Safetensors.write(p, Checkpoints.readTensors(Fixtures.parity("timm_w128_reg4_d2.pth")), Map.of());
        jvit = Files.readAllBytes(j);
        plain = Files.readAllBytes(p);
        npy = Files.readAllBytes(Fixtures.parity("timm_d2__rocket_224.npy"));
        png = Files.readAllBytes(Fixtures.parity("rocket_224.png"));
        BufferedImage rocket = ImageIO.read(Fixtures.parity("rocket_224.png").toFile());
        BufferedImage rgb = new BufferedImage(rocket.getWidth(), rocket.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(rocket, 0, 0, null);
        jpeg = encode(rgb, "jpg");
        tiff = encode(rgb, "tiff");
        BufferedImage g = new BufferedImage(64, 48, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++) g.getRaster().setSample(x, y, 0, (x * 1000 + y) % 65536);
        grey16 = encode(g, "png");
        stack = stack(g, 3);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (io.jvit.core.image.TiffStackWriter w = io.jvit.core.image.TiffStackWriter.open(b, true)) {
            for (int i = 0; i < 3; i++) w.add(g);
        }
        bigStack = b.toByteArray();
    }

    /** A multi-page TIFF of {@code pages} copies of an image. */
    private static byte[] stack(BufferedImage im, int pages) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        javax.imageio.ImageWriter w =
                ImageIO.getImageWritersByFormatName("tiff").next();
        try (var out = ImageIO.createImageOutputStream(b)) {
            w.setOutput(out);
            w.prepareWriteSequence(null);
            for (int i = 0; i < pages; i++) w.writeToSequence(new javax.imageio.IIOImage(im, null, null), null);
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
        return b.toByteArray();
    }

    private static byte[] encode(BufferedImage im, String format) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (!ImageIO.write(im, format, b)) throw new IllegalStateException("no writer for " + format);
        return b.toByteArray();
    }

    /** One case: write the bytes, run the reader under the contract. */
    private DynamicTest fuzz(String name, byte[] bytes, Reader reader) {
        return DynamicTest.dynamicTest(name, () -> {
            Path f = dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_"));
            Files.write(f, bytes);
            Contract.check(f, 96 * MB + 24L * bytes.length, () -> reader.read(f));
        });
    }

    /** A case that must be refused (its input is invalid by construction), with words expected in the problem. */
    private DynamicTest refused(String name, byte[] bytes, Reader reader, String... words) {
        return DynamicTest.dynamicTest(name, () -> {
            Path f = dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_"));
            Files.write(f, bytes);
            try {
                Outcome o = Contract.check(f, 96 * MB + 24L * bytes.length, () -> reader.read(f));
                assertThat(o).as("outcome").isEqualTo(Outcome.REFUSED);
                reader.read(f);
            } catch (io.jvit.core.io.BadInputException e) {
                for (String w : words) assertThat(e.problem()).containsIgnoringCase(w);
            }
        });
    }

    @FunctionalInterface
    interface Reader {
        void read(Path f) throws Exception;
    }

    /** Bit flips anywhere, bit flips in the first {@code head} bytes, truncations: {@code n} of each kind. */
    private List<DynamicTest> generic(String kind, byte[] seed, int head, int n, Reader reader) {
        List<DynamicTest> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Random r = new Random(kind.hashCode() * 1000L + i);
            t.add(fuzz(kind + "-flip-" + i, Mutations.flipBits(seed, r, 1 + r.nextInt(16), 0, seed.length), reader));
            t.add(fuzz(
                    kind + "-flip-head-" + i,
                    Mutations.flipBits(seed, r, 1 + r.nextInt(4), 0, Math.min(head, seed.length)),
                    reader));
            t.add(fuzz(kind + "-truncate-" + i, Mutations.truncate(seed, r.nextInt(seed.length)), reader));
        }
        return t;
    }

    // ---- .pth ----

    @TestFactory
    Stream<DynamicTest> pth() throws Exception {
        Reader load = f -> Checkpoints.load(f);
        List<DynamicTest> t = new ArrayList<>(generic("pth", pth, 4096, 8, load));
        // the zip's directory at the end of the file: flips there
        for (int i = 0; i < 8; i++) {
            Random r = new Random(77 + i);
            t.add(fuzz(
                    "pth-flip-directory-" + i,
                    Mutations.flipBits(pth, r, 1 + r.nextInt(4), pth.length - 2048, pth.length),
                    load));
        }
        // the pickle itself mutated, the archive rebuilt around it
        Map<String, byte[]> entries = TorchFiles.entries(Fixtures.parity("dinov2_official_w128_reg4_d2.pth"));
        String pkl = TorchFiles.pickleName(entries);
        byte[] pickle = entries.get(pkl);
        for (int i = 0; i < 24; i++) {
            Random r = new Random(900 + i);
            byte[] m = switch (i % 3) {
                case 0 -> Mutations.flipBits(pickle, r, 1 + r.nextInt(6), 0, pickle.length);
                case 1 -> Mutations.truncate(pickle, r.nextInt(pickle.length));
                default -> { // a LONG1/BININT argument (numel, offset, shape, stride) made hostile
                    int at = r.nextInt(pickle.length - 9);
                    while (at < pickle.length - 9
                            && pickle[at] != 'J'
                            && (pickle[at] & 0xff) != 0x8a
                            && pickle[at] != 'K'
                            && pickle[at] != 'M') at++;
                    int width = pickle[at] == 'J'
                            ? 4
                            : pickle[at] == 'K' ? 1 : pickle[at] == 'M' ? 2 : Math.min(8, pickle[at + 1]);
                    int skip = (pickle[at] & 0xff) == 0x8a ? 2 : 1;
                    yield at + skip + width > pickle.length
                            ? pickle
                            : Mutations.put(pickle, at + skip, width, Mutations.hostile(r), ByteOrder.LITTLE_ENDIAN);
                }
            };
            Map<String, byte[]> e = new java.util.LinkedHashMap<>(entries);
            e.put(pkl, m);
            t.add(fuzz("pth-pickle-" + i, TorchFiles.zip(e, java.util.Set.of()), load));
        }
        // a storage entry cut short, and one with bits flipped (NaN or Inf in a weight is refused, naming it)
        String storage = entries.keySet().stream()
                .filter(k -> k.contains("/data/"))
                .findFirst()
                .orElseThrow();
        Map<String, byte[]> cut = new java.util.LinkedHashMap<>(entries);
        cut.put(storage, Mutations.truncate(entries.get(storage), entries.get(storage).length / 2));
        t.add(refused("pth-storage-short", TorchFiles.zip(cut, java.util.Set.of()), load, "storage"));
        Map<String, byte[]> nan = new java.util.LinkedHashMap<>(entries);
        nan.put(
                storage,
                Mutations.put(entries.get(storage), 0, 4, Float.floatToRawIntBits(Float.NaN), ByteOrder.LITTLE_ENDIAN));
        t.add(refused("pth-nan-weight", TorchFiles.zip(nan, java.util.Set.of()), load, "NaN", "finite"));
        t.add(fuzz(
                "pth-nan-weight-allowed",
                TorchFiles.zip(nan, java.util.Set.of()),
                f -> Checkpoints.load(f, Pe.AS_TRAINED, null, true)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> pthHostile() throws Exception {
        Reader read = TorchCheckpoint::read;
        byte[] four = new byte[16];
        List<DynamicTest> t = new ArrayList<>();
        long[][] shapes = {
            {4}, {-1}, {1L << 31}, {1L << 33, 1L << 33}, {0x7fffffffL, 0x7fffffffL}, {2, 2}, {Long.MAX_VALUE}
        };
        long[][] strides = {{1}, {-1}, {1L << 40}, {0}, {Long.MAX_VALUE}, {2, 1}};
        long[] numels = {4, -1, 0, 1L << 40, Long.MAX_VALUE, 0x7fffffffL, 3};
        long[] offsets = {0, -1, 3, 1L << 40, Long.MAX_VALUE};
        Random r = new Random(5);
        for (int i = 0; i < 20; i++) {
            long[] shape = shapes[r.nextInt(shapes.length)], stride = strides[r.nextInt(strides.length)];
            long numel = numels[r.nextInt(numels.length)], offset = offsets[r.nextInt(offsets.length)];
            t.add(fuzz("pth-fields-" + i, TorchFiles.stateDict("w", numel, offset, shape, stride, four, false), read));
        }
        // a storage that inflates to 256 MB for a 4-float tensor: read only as far as the tensor needs
        t.add(fuzz(
                "pth-zip-bomb",
                TorchFiles.stateDict("w", 4, 0, new long[] {4}, new long[] {1}, new byte[256 << 20], true),
                read));
        // a 4-float tensor whose storage claims a gigabyte (the archive holds 16 bytes)
        t.add(refused(
                "pth-numel-beyond-entry",
                TorchFiles.stateDict("w", 1 << 28, 0, new long[] {1 << 28}, new long[] {1}, four, false),
                read,
                "storage"));
        // nesting: dicts and lists 100,000 deep
        int deep = 100_000;
        TorchFiles.Pickle dicts = new TorchFiles.Pickle();
        for (int i = 0; i < deep; i++) dicts.op('}').str("k");
        dicts.op('}');
        for (int i = 0; i < deep; i++) dicts.op('s');
        t.add(refused("pth-nested-dicts", pthOf(dicts.op('.').bytes()), read, "nested"));
        TorchFiles.Pickle lists = new TorchFiles.Pickle().op('}').str("k");
        for (int i = 0; i < deep; i++) lists.op(']');
        for (int i = 0; i < deep; i++) lists.op('a');
        t.add(fuzz("pth-nested-lists", pthOf(lists.op('s').op('.').bytes()), read));
        TorchFiles.Pickle key = new TorchFiles.Pickle().op('}'); // a 100,000-deep tuple as a dict key
        for (int i = 0; i < deep; i++) key.op(')').op(0x85);
        t.add(fuzz("pth-nested-key", pthOf(key.op(')').op('s').op('.').bytes()), read));
        // length fields beyond the pickle's end: a 2 GB string, an 8-byte length
        t.add(refused(
                "pth-binunicode-2g",
                pthOf(new TorchFiles.Pickle().op('X').le(0x7fffffffL, 4).op('.').bytes()),
                read,
                "beyond"));
        t.add(refused(
                "pth-bytes8-huge",
                pthOf(new TorchFiles.Pickle().op(0x8e).le(1L << 40, 8).op('.').bytes()),
                read,
                "beyond"));
        t.add(refused(
                "pth-long4-huge",
                pthOf(new TorchFiles.Pickle()
                        .op(0x8b)
                        .le(0x7ffffff0L, 4)
                        .op('.')
                        .bytes()),
                read,
                "beyond"));
        t.add(refused(
                "pth-global-refused",
                pthOf(new TorchFiles.Pickle().global("os", "system").op('.').bytes()),
                read,
                "refused"));
        return t.stream();
    }

    private static byte[] pthOf(byte[] pickle) throws IOException {
        return TorchFiles.zip(Map.of("archive/data.pkl", pickle), java.util.Set.of());
    }

    // ---- .safetensors ----

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A safetensors file with its header rewritten by {@code edit} (the data section unchanged). */
    private static byte[] withHeader(byte[] file, Function<ObjectNode, String> edit) throws IOException {
        long len = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode h = (ObjectNode) JSON.readTree(new String(file, 8, (int) len, StandardCharsets.UTF_8));
        byte[] nh = edit.apply(h).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out =
                ByteBuffer.allocate(8 + nh.length + file.length - 8 - (int) len).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(nh.length).put(nh).put(file, 8 + (int) len, file.length - 8 - (int) len);
        return out.array();
    }

    private static List<String> tensorNames(ObjectNode h) {
        List<String> n = new ArrayList<>();
        for (Iterator<String> it = h.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("__metadata__")) n.add(k);
        }
        return n;
    }

    @TestFactory
    Stream<DynamicTest> safetensors() throws Exception {
        Reader load = f -> Checkpoints.load(f);
        Reader floats = f -> Checkpoints.loadFloats(f, Pe.AS_TRAINED);
        long headerLen =
                ByteBuffer.wrap(jvit, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        List<DynamicTest> t = new ArrayList<>(generic("safetensors", jvit, (int) headerLen + 8, 6, floats));
        t.addAll(generic("safetensors-plain", plain, 2048, 4, load));
        Random r = new Random(31);
        for (int i = 0; i < 8; i++)
            t.add(fuzz(
                    "safetensors-length-" + i,
                    Mutations.put(jvit, 0, 8, Mutations.hostile(r), ByteOrder.LITTLE_ENDIAN),
                    floats));
        for (int i = 0; i < 24; i++) {
            Random q = new Random(3100 + i);
            int kind = i % 6;
            byte[] m = withHeader(i % 2 == 0 ? jvit : plain, h -> {
                List<String> names = tensorNames(h);
                ObjectNode tn = (ObjectNode) h.get(names.get(q.nextInt(names.size())));
                switch (kind) {
                    case 0 ->
                        ((ArrayNode) tn.get("shape"))
                                .set(0, JSON.getNodeFactory().numberNode(Mutations.hostile(q)));
                    case 1 ->
                        ((ArrayNode) tn.get("data_offsets"))
                                .set(q.nextInt(2), JSON.getNodeFactory().numberNode(Mutations.hostile(q)));
                    case 2 -> tn.put("dtype", new String[] {"F8_E4M3", "I64", "BOOL", "", "F64"}[q.nextInt(5)]);
                    case 3 -> tn.set("shape", JSON.getNodeFactory().textNode("abc"));
                    case 4 ->
                        ((ArrayNode) tn.get("shape"))
                                .set(0, JSON.getNodeFactory().numberNode(1e300));
                    default -> {
                        if (h.has("__metadata__"))
                            ((ObjectNode) h.get("__metadata__"))
                                    .put(
                                            Checkpoints.CONFIG_KEY,
                                            q.nextBoolean()
                                                    ? "{\"patch_size\": -5}"
                                                    : Mutations.nest("[", "1", "]", 5000));
                    }
                }
                return h.toString();
            });
            t.add(fuzz("safetensors-header-" + i, m, i % 2 == 0 ? floats : load));
        }
        // overlapping tensors: the second tensor's data is the first's
        t.add(refused(
                "safetensors-overlap",
                withHeader(plain, h -> {
                    List<String> names = tensorNames(h);
                    ArrayNode a = (ArrayNode) h.get(names.get(0)).get("data_offsets");
                    ObjectNode b = (ObjectNode) h.get(names.get(1));
                    long n = a.get(1).asLong() - a.get(0).asLong();
                    ObjectNode c = (ObjectNode) h.get(names.get(0));
                    b.set("dtype", c.get("dtype"));
                    b.set("shape", c.get("shape"));
                    b.putArray("data_offsets")
                            .add(a.get(0).asLong())
                            .add(a.get(0).asLong() + n);
                    return h.toString();
                }),
                load,
                "overlaps"));
        t.add(refused(
                "safetensors-nested-json",
                withHeader(plain, h -> "{\"a\": " + Mutations.nest("[", "", "]", 100_000) + "}"),
                load));
        t.add(refused(
                "safetensors-duplicate-key",
                withHeader(plain, h -> {
                    String s = h.toString();
                    String first = tensorNames(h).get(0);
                    return "{\"" + first + "\": " + h.get(first) + ", " + s.substring(1);
                }),
                load,
                "duplicate"));
        t.add(refused("safetensors-not-object", withHeader(plain, h -> "[1, 2, 3]"), Safetensors::read, "object"));
        t.add(refused("safetensors-nan", nanIn(jvit), floats, "NaN", "finite"));
        t.add(refused("safetensors-nan-nd4j", nanIn(plain), load, "NaN", "finite"));
        t.add(fuzz("safetensors-nan-allowed", nanIn(jvit), f -> Checkpoints.loadFloats(f, Pe.AS_TRAINED, null, true)));
        return t.stream();
    }

    /** The last float of the data section set to +Inf or NaN. */
    private static byte[] nanIn(byte[] file) {
        return Mutations.put(file, file.length - 4, 4, Float.floatToRawIntBits(Float.NaN), ByteOrder.LITTLE_ENDIAN);
    }

    // ---- .npy ----

    @TestFactory
    Stream<DynamicTest> npy() throws Exception {
        Reader read = Npy::read;
        List<DynamicTest> t = new ArrayList<>(generic("npy", npy, 128, 8, read));
        Random r = new Random(41);
        for (int i = 0; i < 8; i++) // v1 length (2 bytes), then as v2 (4 bytes)
        t.add(fuzz(
                "npy-header-length-" + i,
                i % 2 == 0
                        ? Mutations.put(npy, 8, 2, Mutations.hostile(r), ByteOrder.LITTLE_ENDIAN)
                        : Mutations.put(
                                Mutations.put(npy, 6, 1, 2, ByteOrder.LITTLE_ENDIAN),
                                8,
                                4,
                                Mutations.hostile(r),
                                ByteOrder.LITTLE_ENDIAN),
                read));
        String[] shapes = {
            "(99999999999, 99999999999)",
            "(-1,)",
            "(3.5,)",
            "(0,)",
            "(16, 16, 2147483647)",
            "()",
            "(1, 2, 3, 4)",
            Mutations.nest("(", "1", ")", 1000),
            "(abc,)",
            "(" + "1, ".repeat(40) + ")",
            "(9223372036854775807,)",
            "(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2)"
        };
        for (int i = 0; i < shapes.length; i++) t.add(fuzz("npy-shape-" + i, npyWithShape(shapes[i]), read));
        // a v2 header claiming 2 GB: refused before anything is allocated
        t.add(refused(
                "npy-header-2g",
                Mutations.put(
                        Mutations.put(npy, 6, 1, 2, ByteOrder.LITTLE_ENDIAN),
                        8,
                        4,
                        0x7fffff00L,
                        ByteOrder.LITTLE_ENDIAN),
                read,
                "header length"));
        return t.stream();
    }

    /** The fixture's header with another shape (and the same data). */
    private byte[] npyWithShape(String shape) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        byte[] h = (dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        int oldLen = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
        ByteBuffer b =
                ByteBuffer.allocate(10 + h.length + npy.length - 10 - oldLen).order(ByteOrder.LITTLE_ENDIAN);
        b.put(npy, 0, 8).putShort((short) h.length).put(h).put(npy, 10 + oldLen, npy.length - 10 - oldLen);
        return b.array();
    }

    // ---- images ----

    @TestFactory
    Stream<DynamicTest> images() throws Exception {
        Reader read = ImageLoader::read;
        List<DynamicTest> t = new ArrayList<>();
        t.addAll(generic("png", png, 64, 6, read));
        t.addAll(generic("png16", grey16, 64, 3, read));
        t.addAll(generic("jpeg", jpeg, 700, 6, read));
        t.addAll(generic("tiff", tiff, 256, 6, read));
        t.addAll(generic("tiff-pages", stack, 256, 6, f -> {
            for (io.jvit.core.image.ImagePages.Page p : io.jvit.core.image.ImagePages.list(f))
                io.jvit.core.image.ImagePages.read(p);
        }));
        Reader allPages = f -> {
            for (io.jvit.core.image.ImagePages.Page p : io.jvit.core.image.ImagePages.list(f))
                io.jvit.core.image.ImagePages.read(p);
        };
        t.addAll(generic("bigtiff-pages", bigStack, 256, 6, allPages));
        Random r = new Random(51);
        for (int i = 0; i < 8; i++) // IHDR width or height (big-endian, bytes 16 and 20)
        t.add(fuzz(
                "png-size-" + i,
                Mutations.put(png, 16 + 4 * (i % 2), 4, Mutations.hostile(r), ByteOrder.BIG_ENDIAN),
                read));
        t.add(fuzz(
                "png-size-both",
                Mutations.put(
                        Mutations.put(png, 16, 4, 65535, ByteOrder.BIG_ENDIAN), 20, 4, 65535, ByteOrder.BIG_ENDIAN),
                read));
        int sof = Mutations.indexOf(jpeg, new byte[] {(byte) 0xff, (byte) 0xc0}, 2);
        for (int i = 0; i < 6; i++) // SOF0 height or width (big-endian 16 bits)
        t.add(fuzz(
                "jpeg-size-" + i,
                Mutations.put(jpeg, sof + 5 + 2 * (i % 2), 2, Mutations.hostile(r), ByteOrder.BIG_ENDIAN),
                read));
        // TIFF directory entries: every 4-byte value field of the first IFD made hostile in turn
        ByteOrder order = tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        int ifd = ByteBuffer.wrap(tiff, 4, 4).order(order).getInt();
        int count = ByteBuffer.wrap(tiff, ifd, 2).order(order).getShort() & 0xffff;
        for (int i = 0; i < count; i++)
            t.add(fuzz(
                    "tiff-entry-" + i,
                    Mutations.put(tiff, ifd + 2 + 12 * i + 8, 4, Mutations.hostile(r), order),
                    read));
        // BigTIFF directory entries (20 bytes: tag, type, 8-byte count, 8-byte value): each value made hostile in turn
        ByteOrder bigOrder = bigStack[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        int bigIfd = (int) ByteBuffer.wrap(bigStack, 8, 8).order(bigOrder).getLong();
        long bigCount = ByteBuffer.wrap(bigStack, bigIfd, 8).order(bigOrder).getLong();
        for (int i = 0; i < bigCount; i++)
            t.add(fuzz(
                    "bigtiff-entry-" + i,
                    Mutations.put(bigStack, bigIfd + 8 + 20 * i + 12, 8, Mutations.hostile(r), bigOrder),
                    allPages));
        // truncated JPEG: was decoded with grey where the data stopped, now refused
        t.add(refused("jpeg-truncated", Mutations.truncate(jpeg, jpeg.length * 2 / 3), read, "truncated"));
        t.add(refused("png-truncated", Mutations.truncate(png, png.length * 2 / 3), read));
        t.add(refused("not-an-image", "hello".getBytes(StandardCharsets.US_ASCII), read, "not a readable image"));
        return t.stream();
    }
}
