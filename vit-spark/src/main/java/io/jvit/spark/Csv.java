package io.jvit.spark;

import io.jvit.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Comma-separated tables (RFC 4180 quoting: a field with a comma, quote or line break is quoted), written atomically. */
final class Csv {
    private Csv() {}

    static void write(Path file, List<String> header, List<List<String>> rows) throws IOException {
        StringBuilder b = new StringBuilder();
        line(b, header);
        for (List<String> r : rows) line(b, r);
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    private static void line(StringBuilder b, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) b.append(',');
            b.append(quote(fields.get(i)));
        }
        b.append('\n');
    }

    static String quote(String f) {
        if (f.indexOf(',') < 0 && f.indexOf('"') < 0 && f.indexOf('\n') < 0 && f.indexOf('\r') < 0) return f;
        return '"' + f.replace("\"", "\"\"") + '"';
    }
}
