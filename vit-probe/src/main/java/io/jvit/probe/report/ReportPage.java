package io.jvit.probe.report;

import io.jvit.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** A one-page HTML report: a title, a table, and the figures (relative links into the same folder). */
public final class ReportPage {
    private ReportPage() {}

    public record Figure(String file, String caption) {}

    /** {@code header} and {@code rows} become an HTML table; cells are escaped. */
    public static void write(
            Path file,
            String title,
            List<String> facts,
            List<String> header,
            List<List<String>> rows,
            List<Figure> figures)
            throws IOException {
        StringBuilder s = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1300px;margin:2em auto}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
                        + "figure{margin:1.5em 0}figcaption{color:#444}</style></head><body>\n<h1>")
                .append(esc(title))
                .append("</h1>\n<ul>\n");
        for (String f : facts) s.append("<li>").append(esc(f)).append("</li>\n");
        s.append("</ul>\n<table><tr>");
        for (String h : header) s.append("<th>").append(esc(h)).append("</th>");
        s.append("</tr>\n");
        for (List<String> r : rows) {
            s.append("<tr>");
            for (String c : r) s.append("<td>").append(esc(c)).append("</td>");
            s.append("</tr>\n");
        }
        s.append("</table>\n");
        for (Figure f : figures)
            s.append("<figure><img src=\"")
                    .append(esc(f.file()))
                    .append("\" alt=\"")
                    .append(esc(f.caption()))
                    .append("\"><figcaption>")
                    .append(esc(f.caption()))
                    .append("</figcaption></figure>\n");
        s.append("</body></html>\n");
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
