package io.jvit.core.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/** Seeded mutations of a valid file's bytes: what a fuzzer does, reproducible from the seed in the case's name. */
public final class Mutations {
    private Mutations() {}

    /** Integers a length, offset or shape field should never be trusted with. */
    public static final long[] HOSTILE = {
        0,
        1,
        -1,
        0x7f,
        0xff,
        0x7fff,
        0xffff,
        0x7fffffffL,
        0x80000000L,
        0xffffffffL,
        1L << 40,
        Long.MAX_VALUE,
        Long.MIN_VALUE,
        -2,
        65536,
        1 << 28
    };

    /** {@code n} random bits flipped in {@code [from, to)}. */
    public static byte[] flipBits(byte[] in, Random r, int n, int from, int to) {
        byte[] b = in.clone();
        for (int i = 0; i < n; i++) {
            int at = from + r.nextInt(Math.max(1, to - from));
            b[at] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    /** The first {@code keep} bytes. */
    public static byte[] truncate(byte[] in, int keep) {
        return Arrays.copyOf(in, Math.max(0, Math.min(in.length, keep)));
    }

    /** {@code value}'s low {@code width} bytes written at {@code at}, little- or big-endian. */
    public static byte[] put(byte[] in, int at, int width, long value, ByteOrder order) {
        byte[] b = in.clone();
        ByteBuffer buf = ByteBuffer.allocate(8).order(order);
        buf.putLong(0, value);
        byte[] v = buf.array();
        for (int i = 0; i < width; i++) b[at + i] = order == ByteOrder.LITTLE_ENDIAN ? v[i] : v[8 - width + i];
        return b;
    }

    public static long hostile(Random r) {
        return HOSTILE[r.nextInt(HOSTILE.length)];
    }

    /** Index of the first occurrence of {@code needle} at or after {@code from}, or -1. */
    public static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** {@code s} nested {@code depth} times inside {@code open}/{@code close}. */
    public static String nest(String open, String s, String close, int depth) {
        return open.repeat(depth) + s + close.repeat(depth);
    }
}
