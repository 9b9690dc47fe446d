package io.jvit.core.pe;

/** sin and cos tables for rotating the patch tokens' queries and keys, each (h·w, headDim), row-major. */
public record RopeTables(int numPatches, int headDim, float[] sin, float[] cos) {}
