package io.jvit.examples;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The parity fixtures (vit-core's test resources) the examples run on. */
final class ExampleImages {
    private ExampleImages() {}

    static Path fixture(String name) {
        try {
            var url = ExampleImages.class.getResource("/" + name);
            if (url == null) throw new IllegalStateException("missing test resource " + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A folder holding the two fixture images (224 × 224 and 420 × 280 px). */
    static Path folder(Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(fixture("rocket_224.png"), images.resolve("rocket_224.png"));
        Files.copy(fixture("chelsea_280x420.png"), images.resolve("chelsea_280x420.png"));
        return images;
    }
}
