package io.jvit.core.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * {@link TiffChecks}' strip and tile check for BigTIFF: the JDK's {@code TIFFDirectory} drops the 64-bit (LONG8)
 * offsets and byte counts of TwelveMonkeys' metadata, so they are read from its native tree here. TwelveMonkeys
 * streams a strip instead of allocating its declared size, so this is about naming a corrupt file, not about memory.
 */
final class BigTiffStrips {
    private BigTiffStrips() {}

    private static final int STRIP_OFFSETS = 273, STRIP_BYTE_COUNTS = 279, TILE_OFFSETS = 324, TILE_BYTE_COUNTS = 325;

    static void requireWithin(Path file, IIOMetadata meta, long fileSize) {
        Node root = meta.getAsTree(meta.getNativeMetadataFormatName());
        check(file, values(root, STRIP_OFFSETS), values(root, STRIP_BYTE_COUNTS), "strip", fileSize);
        check(file, values(root, TILE_OFFSETS), values(root, TILE_BYTE_COUNTS), "tile", fileSize);
    }

    private static void check(Path file, long[] offsets, long[] counts, String what, long fileSize) {
        if (offsets != null) TiffChecks.requireWithin(file, offsets, counts, what, fileSize);
    }

    /** The values of field {@code number} of the tree's first directory (TIFFShort, TIFFLong or TIFFLong8), or null. */
    private static long[] values(Node root, int number) {
        for (Node ifd = root.getFirstChild(); ifd != null; ifd = ifd.getNextSibling())
            for (Node f = ifd.getFirstChild(); f != null; f = f.getNextSibling()) {
                if (!(f instanceof Element e) || !String.valueOf(number).equals(e.getAttribute("number"))) continue;
                List<Long> v = new ArrayList<>();
                for (Node list = f.getFirstChild(); list != null; list = list.getNextSibling())
                    for (Node x = list.getFirstChild(); x != null; x = x.getNextSibling())
                        if (x instanceof Element xe && xe.hasAttribute("value")) v.add(parse(xe.getAttribute("value")));
                return v.stream().mapToLong(Long::longValue).toArray();
            }
        return null;
    }

    /** A value as the tree writes it; one that is not a number (or is past 2^63) is as bad as one past the end. */
    private static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
