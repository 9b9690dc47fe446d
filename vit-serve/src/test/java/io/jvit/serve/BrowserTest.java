package io.jvit.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.image.ImageLoader;
import io.jvit.segment.LabelImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in a real browser (Debian's headless Chromium through chromedriver): paint a stroke of each class with the
 * mouse, wait for the segmentation, check the overlay on both sides of the phase boundary, download the label image
 * and compare it with the API's. Chromium is installed when missing (as root, with apt-get); where it cannot be, the
 * test is skipped with the reason. The screenshot lands in target/browser/serve.png.
 */
class BrowserTest {
    static final int H = 96, W = 128, BOUNDARY = 64;
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path dir;

    static SegmentServer server;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                chromiumInstalled(),
                "browser test skipped: Debian's chromium and chromium-driver are not installed "
                        + "and could not be (apt-get install -y chromium chromium-driver needs root and the package mirror)");
        Path images = Files.createDirectories(dir.resolve("images")),
                downloads = Files.createDirectories(dir.resolve("downloads"));
        ImageIO.write(twoPhases(), "png", images.resolve("phases.png").toFile());
        server = SegmentServer.start(new ServeConfig(Map.of(), images, 1 << 20, 64L << 20, 1), "127.0.0.1", 0);
        java.util.logging.Logger.getLogger("org.openqa.selenium")
                .setLevel(java.util.logging.Level.SEVERE); // no CDP-version notes: CDP is unused
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800");
        o.setExperimentalOption(
                "prefs",
                Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        browser = new ChromeDriver(
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(DRIVER.toFile())
                        .build(),
                o);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
    }

    /** Dark on the left of x = 64, bright on the right, with texture. */
    static BufferedImage twoPhases() {
        BufferedImage im = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
        var rnd = new java.util.Random(3);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) im.getRaster().setSample(x, y, 0, (x < BOUNDARY ? 50 : 190) + rnd.nextInt(30));
        return im;
    }

    static boolean chromiumInstalled() {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER)) return true;
        try {
            if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/apt-get")))
                return false;
            Process p = new ProcessBuilder("apt-get", "install", "-y", "chromium", "chromium-driver")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return false;
            }
        } catch (Exception e) {
            return false;
        }
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** A vertical stroke at image column x, from row y0 to y1, with the left button (offsets from the viewport's centre). */
    void stroke(WebElement viewport, double x, double y0, double y1) {
        @SuppressWarnings("unchecked")
        List<Number> t = (List<Number>) js(
                "const r = arguments[0].getBoundingClientRect();"
                        + "return [state.panX - r.width / 2, state.panY - r.height / 2, state.zoom];",
                viewport);
        double ox = t.get(0).doubleValue(),
                oy = t.get(1).doubleValue(),
                z = t.get(2).doubleValue();
        Actions a = new Actions(browser)
                .moveToElement(viewport, (int) Math.round(ox + x * z), (int) Math.round(oy + y0 * z))
                .clickAndHold();
        int steps = 8;
        for (int i = 1; i <= steps; i++)
            a.moveToElement(viewport, (int) Math.round(ox + x * z), (int)
                    Math.round(oy + (y0 + (y1 - y0) * i / steps) * z));
        a.release().perform();
    }

    int[] overlayPixel(int x, int y) {
        @SuppressWarnings("unchecked")
        List<Number> p = (List<Number>) js(
                "return Array.from(document.getElementById('overlay-0').getContext('2d').getImageData(arguments[0], arguments[1], 1, 1).data);",
                x,
                y);
        return p.stream().mapToInt(Number::intValue).toArray();
    }

    @Test
    void paintsTwoClassesSegmentsAndDownloadsTheLabelsTheApiGives() throws Exception {
        String base = "http://127.0.0.1:" + server.port() + "/";
        browser.get(base);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.withMessage(
                () -> "the page's state: "
                        + js(
                                "return JSON.stringify({status: document.getElementById('status').textContent,"
                                        + " labelled: state.labels && state.labels.filter(v => v).length, classes: state.labels && [...new Set(state.labels)],"
                                        + " busy: state.busy, segmented: state.segmented, zoom: state.zoom, panX: state.panX, panY: state.panY})"));
        wait.until(d -> Boolean.TRUE.equals(
                js("return document.querySelectorAll('#folder option').length > 0 && state.classes.length === 2")));
        new Select(browser.findElement(By.id("folder"))).selectByValue("phases.png");
        browser.findElement(By.id("open-folder")).click();
        wait.until(d -> d.findElement(By.id("image-info")).getText().contains("128 × 96")
                && d.findElement(By.id("status"))
                        .getText()
                        .startsWith("paint scribbles")); // shown once the view is fitted

        WebElement viewport = browser.findElement(By.cssSelector("#view-0 .viewport"));
        stroke(viewport, 20, 20, 76); // class 1 (grey 1) in the dark phase
        browser.findElement(By.cssSelector("#classes li:nth-child(2) input[type=text]"))
                .click();
        stroke(viewport, 108, 20, 76); // class 2 (grey 2) in the bright phase
        wait.until(d -> Boolean.TRUE.equals(js("return state.segmented && !state.busy && !state.pending"
                + " && document.getElementById('overlay-0').dataset.shown === 'segmentation'")));

        // the overlay paints each side of the boundary in its class's colour (#e6194b, #3cb44b)
        assertThat(overlayPixel(BOUNDARY - 12, 48)).containsExactly(0xe6, 0x19, 0x4b, 255);
        assertThat(overlayPixel(BOUNDARY + 12, 48)).containsExactly(0x3c, 0xb4, 0x4b, 255);

        // the downloaded label image is the API's
        browser.findElement(By.id("download-labels")).click();
        Path downloaded = dir.resolve("downloads").resolve("labels.png");
        wait.until(d -> Files.isRegularFile(downloaded) && downloaded.toFile().length() > 0);
        String id = (String) js("return state.ids[0]");
        byte[] api = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "api/images/" + id + "/segmentation.png"))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray())
                .body();
        int[] fromPage = LabelImage.of(ImageLoader.read(downloaded), "page").values();
        int[] fromApi = LabelImage.of(ImageLoader.fromBuffered(ImageIO.read(new ByteArrayInputStream(api))), "api")
                .values();
        assertThat(fromPage).isEqualTo(fromApi);
        assertThat(fromPage[48 * W + BOUNDARY - 12]).isEqualTo(1);
        assertThat(fromPage[48 * W + BOUNDARY + 12]).isEqualTo(2);

        Path shots = Files.createDirectories(Path.of("target", "browser"));
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), shots.resolve("serve.png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
