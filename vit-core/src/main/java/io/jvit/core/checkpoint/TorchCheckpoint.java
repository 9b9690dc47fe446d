package io.jvit.core.checkpoint;

import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads PyTorch's {@code torch.save} zip format (a {@code data.pkl} pickle plus one raw file per storage).
 *
 * <p>Safety: unpickling never runs arbitrary code. Only the globals a state dict needs are allowed
 * (OrderedDict, torch's tensor/parameter rebuild functions and storage types); any other global,
 * and the opcodes that instantiate classes ({@code INST}, {@code OBJ}, {@code NEWOBJ}, extension codes),
 * is refused with an error that names it.
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() {}

    /** Largest {@code data.pkl} read: a state dict's pickle is kilobytes to a few megabytes; the tensors live beside it. */
    static final int MAX_PICKLE_BYTES = 256 << 20;

    /** Deepest nesting of dicts followed when collecting tensors (a state dict nests two or three levels). */
    static final int MAX_DEPTH = 64;

    /**
     * Reads the tensors of a checkpoint, flattening nested dicts with dotted keys ({@code model.blocks.0…}).
     *
     * @throws CheckpointException (a {@link io.jvit.core.io.BadInputException}) for every problem with the file, naming it:
     *         a corrupt zip, a refused or malformed pickle, nesting deeper than {@value #MAX_DEPTH}, a length field beyond
     *         the pickle's end, a storage smaller than its tensors or larger than a Java array. Each storage is read only
     *         as far as its tensor needs, so an entry that inflates to gigabytes (a zip bomb) costs no more than that.
     */
    public static Map<String, INDArray> read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream()
                    .filter(e -> e.getName().endsWith("data.pkl"))
                    .findFirst()
                    .orElseThrow(
                            () -> new CheckpointException(file, "not a PyTorch zip checkpoint (no data.pkl inside)"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            byte[] pickle;
            try (InputStream in = zip.getInputStream(pkl)) {
                pickle = in.readNBytes(MAX_PICKLE_BYTES + 1); // allocates as the data arrives, not up front
            }
            if (pickle.length > MAX_PICKLE_BYTES)
                throw new CheckpointException(
                        file, "data.pkl inflates to over " + (MAX_PICKLE_BYTES >> 20) + " MB (corrupt, or a zip bomb)");
            Object root = new RestrictedUnpickler(file, zip, prefix).load(new java.io.ByteArrayInputStream(pickle));
            Map<String, INDArray> out = new LinkedHashMap<>();
            flatten(file, "", root, out, 0);
            if (out.isEmpty()) throw new CheckpointException(file, "contains no tensors");
            return out;
        } catch (CheckpointException e) {
            throw e;
        } catch (StackOverflowError e) { // nesting the depth limits did not catch (e.g. inside a dict key)
            throw new CheckpointException(file, "pickle nested too deeply");
        } catch (java.util.zip.ZipException e) {
            throw new CheckpointException(
                    file, "corrupt or truncated zip archive (" + BadInputException.describe(e) + ")", e);
        } catch (IOException | RuntimeException e) {
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof CheckpointException)) c = c.getCause();
            if (c instanceof CheckpointException ce) throw ce;
            throw new CheckpointException(file, "corrupt checkpoint (" + BadInputException.describe(e) + ")", e);
        }
    }

    private static void flatten(Path file, String prefix, Object o, Map<String, INDArray> out, int depth) {
        if (depth > MAX_DEPTH) throw new CheckpointException(file, "dicts nested over " + MAX_DEPTH + " deep");
        if (o instanceof Tensor t) {
            out.put(prefix, t.materialise(file, prefix));
        } else if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                Object key = e.getKey();
                if (!(key instanceof String || key instanceof Number))
                    throw new CheckpointException(
                            file,
                            "dict key of type "
                                    + (key == null ? "None" : key.getClass().getSimpleName()) + " under '" + prefix
                                    + "' (a state dict's keys are strings)");
                String k = String.valueOf(key);
                flatten(file, prefix.isEmpty() ? k : prefix + "." + k, e.getValue(), out, depth + 1);
            }
        }
        // numbers, strings, lists and None (epoch counters, optimiser settings) carry no weights: skipped
    }

    /** A storage in the archive, read when a tensor needs it. */
    private record Storage(DType dtype, String key, long numel, ZipFile zip, String prefix) {
        byte[] bytes(Path file) {
            ZipEntry e = zip.getEntry(prefix + "data/" + key);
            if (e == null)
                throw new CheckpointException(
                        file, "storage '" + key + "' is missing from the archive (truncated file?)");
            long expected = numel * dtype.size; // numel was checked in persistentLoad
            if (e.getSize() >= 0 && e.getSize() < expected)
                throw new CheckpointException(
                        file,
                        "storage '" + key + "' has " + e.getSize() + " bytes, expected " + expected
                                + " (truncated file?)");
            try (InputStream in = zip.getInputStream(e)) {
                byte[] b = in.readNBytes((int) expected); // no further: an entry that inflates beyond is never held
                if (b.length < expected)
                    throw new CheckpointException(
                            file,
                            "storage '" + key + "' has " + b.length + " bytes, expected " + expected
                                    + " (truncated file?)");
                return b;
            } catch (IOException ex) {
                throw new CheckpointException(
                        file, "cannot read storage '" + key + "': " + BadInputException.describe(ex), ex);
            }
        }
    }

    private record Tensor(Storage storage, long offset, long[] shape, long[] stride) {
        INDArray materialise(Path file, String name) {
            if (shape.length != stride.length || shape.length > 16)
                throw new CheckpointException(
                        file,
                        "tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + " and strides "
                                + java.util.Arrays.toString(stride));
            long count = 1, last = offset;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] < 0 || stride[d] < 0)
                    throw new CheckpointException(
                            file,
                            "tensor '" + name + "' has a negative size or stride: shape "
                                    + java.util.Arrays.toString(shape) + ", strides "
                                    + java.util.Arrays.toString(stride));
                count = shape[d] == 0 || count == 0
                        ? 0
                        : shape[d] > (Integer.MAX_VALUE - 8) / count ? Long.MAX_VALUE : count * shape[d];
                if (count > Integer.MAX_VALUE - 8)
                    throw new CheckpointException(
                            file,
                            "tensor '" + name + "' has shape " + java.util.Arrays.toString(shape)
                                    + ", over 2^31 elements");
            }
            for (int d = 0; d < shape.length && count > 0 && last < storage.numel(); d++)
                last += shape[d] == 1
                        ? 0
                        : stride[d] > storage.numel()
                                ? storage.numel()
                                : (shape[d] - 1) * stride[d]; // < 2^62: no overflow
            if (offset < 0 || count > 0 && last >= storage.numel())
                throw new CheckpointException(
                        file, "tensor '" + name + "' view exceeds its storage '" + storage.key() + "'");
            return storage.dtype().toArray(count == 0 ? new byte[0] : storage.bytes(file), offset, shape, stride);
        }
    }

    /** The marker a storage-type global (torch.FloatStorage, …) resolves to. */
    private record StorageType(DType dtype) implements IObjectConstructor {
        public Object construct(Object[] args) {
            throw new PickleException("storage types are not callable");
        }
    }

    /** torch saves its state dict as an OrderedDict with a {@code _metadata} attribute (set via BUILD). */
    public static final class StateDict extends LinkedHashMap<Object, Object> {
        public void __setstate__(HashMap<Object, Object> state) {
            /* _metadata: version numbers only */
        }
    }

    private static final class RestrictedUnpickler extends Unpickler {
        private final Path file;
        private final ZipFile zip;
        private final String prefix;

        RestrictedUnpickler(Path file, ZipFile zip, String prefix) {
            this.file = file;
            this.zip = zip;
            this.prefix = prefix;
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input), name = PickleUtils.readline(input);
                    stack.add(resolve(module, name));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop(), module = stack.pop();
                    stack.add(resolve(String.valueOf(module), String.valueOf(name)));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.LONG4, Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE -> {
                    requireAvailable(key, 4);
                    return super.dispatch(key);
                }
                case Opcodes.BINBYTES8, Opcodes.BINUNICODE8, Opcodes.BYTEARRAY8 -> {
                    requireAvailable(key, 8);
                    return super.dispatch(key);
                }
                case Opcodes.INST,
                        Opcodes.OBJ,
                        Opcodes.NEWOBJ,
                        Opcodes.NEWOBJ_EX,
                        Opcodes.EXT1,
                        Opcodes.EXT2,
                        Opcodes.EXT4 ->
                    throw new CheckpointException(
                            file,
                            "refused pickle opcode " + key
                                    + " (it instantiates arbitrary classes); only tensors and plain containers are read");
                default -> {
                    return super.dispatch(key);
                }
            }
        }

        /**
         * Refuses an opcode whose little-endian length field (of {@code width} bytes) claims more bytes than the pickle
         * has left: the pickle library would allocate that length before reading.
         */
        private void requireAvailable(short key, int width) throws IOException {
            input.mark(width);
            byte[] b = input.readNBytes(width);
            input.reset();
            if (b.length < width) throw new CheckpointException(file, "pickle truncated inside opcode " + key);
            long n = 0;
            for (int i = width - 1; i >= 0; i--)
                n = n << 8 | (b[i] & 0xff); // unsigned: a negative signed length is huge too
            if (n < 0 || n > input.available() - width)
                throw new CheckpointException(
                        file, "pickle opcode " + key + " claims " + n + " bytes, beyond the end of data.pkl");
        }

        private IObjectConstructor resolve(String module, String name) {
            String full = module + "." + name;
            if (module.equals("torch")) {
                DType t = DType.fromTorchStorage(name);
                if (t != null) return new StorageType(t);
            }
            return switch (full) {
                case "collections.OrderedDict" -> args -> new StateDict();
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" ->
                    args -> {
                        if (args.length < 4 || !(args[0] instanceof Storage st) || !(args[1] instanceof Number offset))
                            throw new CheckpointException(
                                    file, "malformed tensor record (" + args.length + " arguments)");
                        return new Tensor(st, offset.longValue(), longs(args[2]), longs(args[3]));
                    };
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args -> args[0];
                default ->
                    throw new CheckpointException(
                            file,
                            "refused pickle global '" + full
                                    + "': only tensors, ordered dicts and plain containers are read");
            };
        }

        private long[] longs(Object tuple) {
            Object[] t = tuple instanceof Object[] a ? a : tuple instanceof List<?> l ? l.toArray() : null;
            if (t == null)
                throw new CheckpointException(file, "malformed tensor record: size or stride is not a tuple");
            long[] r = new long[t.length];
            for (int i = 0; i < t.length; i++) {
                if (!(t[i] instanceof Integer || t[i] instanceof Long))
                    throw new CheckpointException(
                            file, "malformed tensor record: size or stride entry is not an integer");
                r[i] = ((Number) t[i]).longValue();
            }
            return r;
        }

        @Override
        protected Object persistentLoad(Object pid) {
            Object[] t = pid instanceof Object[] a ? a : pid instanceof List<?> l ? l.toArray() : null;
            if (t == null || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType st))
                throw new CheckpointException(file, "unsupported persistent id in pickle: " + describe(pid));
            if (!(t[2] instanceof String key) || !(t[4] instanceof Integer || t[4] instanceof Long))
                throw new CheckpointException(file, "malformed storage record in pickle");
            long numel = ((Number) t[4]).longValue();
            if (numel < 0 || numel > (Integer.MAX_VALUE - 8) / st.dtype().size)
                throw new CheckpointException(
                        file, "storage '" + key + "' claims " + numel + " elements, beyond a Java array");
            return new Storage(st.dtype(), key, numel, zip, prefix);
        }

        private static String describe(Object o) {
            if (o instanceof Object[] a) {
                List<String> s = new ArrayList<>();
                for (Object x : a) s.add(String.valueOf(x));
                return s.toString();
            }
            return String.valueOf(o);
        }
    }
}
