package io.jvit.core.image;

import io.jvit.core.io.BadInputException;
import java.nio.file.Path;
import javax.imageio.IIOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;

/**
 * Checks of a TIFF's strip and tile table before decoding: the JDK's decoder allocates a strip's buffer from its
 * declared byte count, so a count or offset beyond the end of the file (a hostile or corrupt directory) is refused
 * here, before anything is allocated.
 */
final class TiffChecks {
    private TiffChecks() {}

    /** Does nothing for other formats; for a TIFF, refuses strips or tiles that do not lie within the file. */
    static void requireWithin(Path file, ImageReader reader, int index, long fileSize)
            throws IIOException, java.io.IOException {
        String format = reader.getFormatName();
        if (format.equalsIgnoreCase("bigtiff")) {
            BigTiffStrips.requireWithin(file, reader.getImageMetadata(index), fileSize);
            return;
        }
        if (!"tif".equalsIgnoreCase(format) && !"tiff".equalsIgnoreCase(format)) return;
        IIOMetadata meta = reader.getImageMetadata(index);
        TIFFDirectory dir = TIFFDirectory.createFromMetadata(meta);
        check(
                file,
                dir,
                BaselineTIFFTagSet.TAG_STRIP_OFFSETS,
                BaselineTIFFTagSet.TAG_STRIP_BYTE_COUNTS,
                "strip",
                fileSize);
        check(
                file,
                dir,
                BaselineTIFFTagSet.TAG_TILE_OFFSETS,
                BaselineTIFFTagSet.TAG_TILE_BYTE_COUNTS,
                "tile",
                fileSize);
    }

    private static void check(Path file, TIFFDirectory dir, int offsetsTag, int countsTag, String what, long fileSize) {
        TIFFField offsets = dir.getTIFFField(offsetsTag), counts = dir.getTIFFField(countsTag);
        if (offsets == null) return;
        requireWithin(file, longs(offsets), counts == null ? null : longs(counts), what, fileSize);
    }

    private static long[] longs(TIFFField f) {
        long[] v = new long[f.getCount()];
        for (int i = 0; i < v.length; i++) v[i] = f.getAsLong(i);
        return v;
    }

    /**
     * Each {@code what} ("strip" or "tile") of {@code offsets} and byte {@code counts} (null: none) lies within the
     * file's {@code fileSize} bytes, and there are as many counts as offsets: the check for classic TIFF and BigTIFF.
     */
    static void requireWithin(Path file, long[] offsets, long[] counts, String what, long fileSize) {
        if (counts != null && counts.length != offsets.length)
            throw new BadInputException(
                    file, "TIFF has " + offsets.length + " " + what + " offsets but " + counts.length + " byte counts");
        for (int i = 0; i < offsets.length; i++) {
            long at = offsets[i], n = counts == null ? 0 : counts[i];
            if (at < 0 || n < 0 || at > fileSize || n > fileSize - at)
                throw new BadInputException(
                        file,
                        "TIFF " + what + " " + i + " (" + n + " bytes at offset " + at
                                + ") lies beyond the end of the file (" + fileSize + " bytes)");
        }
    }
}
