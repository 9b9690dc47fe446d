package io.jvit.core.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Element types found in checkpoints, with decoding of little-endian raw bytes. */
enum DType {
    F32(4),
    F64(8),
    F16(2),
    BF16(2),
    I64(8),
    I32(4),
    I16(2),
    I8(1),
    U8(1),
    BOOL(1);

    final int size;

    DType(int size) {
        this.size = size;
    }

    boolean isFloating() {
        return this == F32 || this == F64 || this == F16 || this == BF16;
    }

    static DType fromSafetensors(String s) {
        return switch (s) {
            case "F32" -> F32;
            case "F64" -> F64;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I64" -> I64;
            case "I32" -> I32;
            case "I16" -> I16;
            case "I8" -> I8;
            case "U8" -> U8;
            case "BOOL" -> BOOL;
            default -> null;
        };
    }

    static DType fromTorchStorage(String name) {
        return switch (name) {
            case "FloatStorage" -> F32;
            case "DoubleStorage" -> F64;
            case "HalfStorage" -> F16;
            case "BFloat16Storage" -> BF16;
            case "LongStorage" -> I64;
            case "IntStorage" -> I32;
            case "ShortStorage" -> I16;
            case "CharStorage" -> I8;
            case "ByteStorage" -> U8;
            case "BoolStorage" -> BOOL;
            default -> null;
        };
    }

    /** Element {@code index} of little-endian {@code data}, as a double. */
    double read(ByteBuffer data, long index) {
        int at = Math.toIntExact(index * size);
        return switch (this) {
            case F32 -> data.getFloat(at);
            case F64 -> data.getDouble(at);
            case F16 -> halfToFloat(data.getShort(at));
            case BF16 -> Float.intBitsToFloat((data.getShort(at) & 0xffff) << 16);
            case I64 -> data.getLong(at);
            case I32 -> data.getInt(at);
            case I16 -> data.getShort(at);
            case I8 -> data.get(at);
            case U8, BOOL -> data.get(at) & 0xff;
        };
    }

    /**
     * Gathers a strided view of {@code data} into a dense C-order array: floating types become FLOAT
     * (DOUBLE stays DOUBLE), integer types LONG.
     */
    INDArray toArray(byte[] bytes, long offset, long[] shape, long[] stride) {
        ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = 1;
        for (long s : shape) n *= s;
        int count = Math.toIntExact(n);
        long[] idx = new long[shape.length];
        if (this == F64 || !isFloating()) {
            double[] v = new double[count];
            for (int k = 0; k < count; k++) v[k] = read(data, position(offset, idx, stride, k, shape));
            INDArray a = Nd4j.createFromArray(v).reshape(shape.length == 0 ? new long[0] : shape);
            return this == F64 ? a : a.castTo(DataType.LONG);
        }
        float[] v = new float[count];
        if (this == F32 && isContiguous(shape, stride)) {
            data.position(Math.toIntExact(offset * 4));
            data.asFloatBuffer().get(v);
        } else {
            for (int k = 0; k < count; k++) v[k] = (float) read(data, position(offset, idx, stride, k, shape));
        }
        return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c');
    }

    /** Dense little-endian {@code bytes[0, length)} of a floating type as floats (no ND4J). */
    float[] toFloats(byte[] bytes, int length) {
        ByteBuffer data = ByteBuffer.wrap(bytes, 0, length).slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[length / size];
        if (this == F32) data.asFloatBuffer().get(v);
        else for (int k = 0; k < v.length; k++) v[k] = (float) read(data, k);
        return v;
    }

    private static boolean isContiguous(long[] shape, long[] stride) {
        long expect = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expect) return false;
            expect *= shape[d];
        }
        return true;
    }

    /** Storage position of the k-th element in C order; {@code idx} is scratch of length rank. */
    private static long position(long offset, long[] idx, long[] stride, int k, long[] shape) {
        long rem = k, pos = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
            pos += idx[d] * stride[d];
        }
        return pos;
    }

    static float halfToFloat(short h) {
        int bits = h & 0xffff, sign = (bits >>> 15) << 31, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            float f = mant / 1024f * (float) Math.pow(2, -14);
            return sign != 0 ? -f : f;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
