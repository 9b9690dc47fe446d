package io.jvit.core.checkpoint;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /** Reads the tensors of a checkpoint, flattening nested dicts with dotted keys ({@code model.blocks.0…}). */
    public static Map<String, INDArray> read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("data.pkl")).findFirst()
                    .orElseThrow(() -> new CheckpointException(file, "not a PyTorch zip checkpoint (no data.pkl inside)"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            Object root;
            try (InputStream in = zip.getInputStream(pkl)) {
                root = new RestrictedUnpickler(file, zip, prefix).load(in);
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            flatten(file, "", root, out);
            if (out.isEmpty()) throw new CheckpointException(file, "contains no tensors");
            return out;
        } catch (CheckpointException e) {
            throw e;
        } catch (java.util.zip.ZipException e) {
            throw new CheckpointException(file, "corrupt or truncated zip archive (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof CheckpointException)) c = c.getCause();
            if (c instanceof CheckpointException ce) throw ce;
            throw new CheckpointException(file, "cannot read checkpoint: " + e.getMessage(), e);
        }
    }

    private static void flatten(Path file, String prefix, Object o, Map<String, INDArray> out) {
        if (o instanceof Tensor t) {
            out.put(prefix, t.materialise(file));
        } else if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                flatten(file, prefix.isEmpty() ? k : prefix + "." + k, e.getValue(), out);
            }
        }
        // numbers, strings, lists and None (epoch counters, optimiser settings) carry no weights: skipped
    }

    /** A storage in the archive, read when a tensor needs it. */
    private record Storage(DType dtype, String key, long numel, ZipFile zip, String prefix) {
        byte[] bytes(Path file) {
            ZipEntry e = zip.getEntry(prefix + "data/" + key);
            if (e == null) throw new CheckpointException(file, "storage '" + key + "' is missing from the archive (truncated file?)");
            try (InputStream in = zip.getInputStream(e)) {
                byte[] b = in.readAllBytes();
                if (b.length < numel * dtype.size)
                    throw new CheckpointException(file, "storage '" + key + "' has " + b.length + " bytes, expected "
                            + numel * dtype.size + " (truncated file?)");
                return b;
            } catch (IOException ex) {
                throw new CheckpointException(file, "cannot read storage '" + key + "': " + ex.getMessage(), ex);
            }
        }
    }

    private record Tensor(Storage storage, long offset, long[] shape, long[] stride) {
        INDArray materialise(Path file) {
            long last = offset;
            for (int d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
            if (shape.length > 0 && last >= storage.numel())
                throw new CheckpointException(file, "tensor view exceeds its storage '" + storage.key() + "'");
            return storage.dtype().toArray(storage.bytes(file), offset, shape, stride);
        }
    }

    /** The marker a storage-type global (torch.FloatStorage, …) resolves to. */
    private record StorageType(DType dtype) implements IObjectConstructor {
        public Object construct(Object[] args) { throw new PickleException("storage types are not callable"); }
    }

    /** torch saves its state dict as an OrderedDict with a {@code _metadata} attribute (set via BUILD). */
    public static final class StateDict extends LinkedHashMap<Object, Object> {
        public void __setstate__(HashMap<Object, Object> state) { /* _metadata: version numbers only */ }
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
                case Opcodes.INST, Opcodes.OBJ, Opcodes.NEWOBJ, Opcodes.NEWOBJ_EX, Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                        throw new CheckpointException(file, "refused pickle opcode " + key
                                + " (it instantiates arbitrary classes); only tensors and plain containers are read");
                default -> {
                    return super.dispatch(key);
                }
            }
        }

        private IObjectConstructor resolve(String module, String name) {
            String full = module + "." + name;
            if (module.equals("torch")) {
                DType t = DType.fromTorchStorage(name);
                if (t != null) return new StorageType(t);
            }
            return switch (full) {
                case "collections.OrderedDict" -> args -> new StateDict();
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> args -> new Tensor(
                        (Storage) args[0], ((Number) args[1]).longValue(), longs(args[2]), longs(args[3]));
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args -> args[0];
                default -> throw new CheckpointException(file, "refused pickle global '" + full
                        + "': only tensors, ordered dicts and plain containers are read");
            };
        }

        private static long[] longs(Object tuple) {
            Object[] t = tuple instanceof Object[] a ? a : ((List<?>) tuple).toArray();
            long[] r = new long[t.length];
            for (int i = 0; i < t.length; i++) r[i] = ((Number) t[i]).longValue();
            return r;
        }

        @Override
        protected Object persistentLoad(Object pid) {
            Object[] t = pid instanceof Object[] a ? a : pid instanceof List<?> l ? l.toArray() : null;
            if (t == null || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType st))
                throw new CheckpointException(file, "unsupported persistent id in pickle: " + describe(pid));
            return new Storage(st.dtype(), String.valueOf(t[2]), ((Number) t[4]).longValue(), zip, prefix);
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
