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
        if (counts != null && counts.getCount() != offsets.getCount())
            throw new BadInputException(
                    file,
                    "TIFF has " + offsets.getCount() + " " + what + " offsets but " + counts.getCount()
                            + " byte counts");
        for (int i = 0; i < offsets.getCount(); i++) {
            long at = offsets.getAsLong(i), n = counts == null ? 0 : counts.getAsLong(i);
            if (at < 0 || n < 0 || at > fileSize || n > fileSize - at)
                throw new BadInputException(
                        file,
                        "TIFF " + what + " " + i + " (" + n + " bytes at offset " + at
                                + ") lies beyond the end of the file (" + fileSize + " bytes)");
        }
    }
}
