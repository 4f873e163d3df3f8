package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The converted TinyFaceDetector, run through DJL, against the faces face-api's own TF.js code found in
 * the same images (src/test/resources/face-reference/detector_reference.json, made by
 * models/make_reference.sh), with face-api's square fit. Needs models/setup.sh to have run; without the
 * model every test here fails saying so.
 *
 * <p>The photos are face-api's demo JPEGs as the reference script decoded them (jpeg-js), scaled to 480
 * wide and stored as PNG, so both sides see the same pixels: decoding the original JPEGs with ImageIO
 * instead moved scores by up to 0.0099 (jpeg-js and libjpeg differ by a grey level here and there).
 */
class FaceDetectorTest {

    private static final Path ASTRONAUT = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");

    private static FaceDetector detector;
    private static JsonNode reference;

    @BeforeAll
    static void openDetector() throws IOException {
        try (InputStream in = FaceDetectorTest.class.getResourceAsStream("/face-reference/detector_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        detector = FaceDetector.open(EmbeddingConfig.defaults().with(Map.of("face-detector-fit", "square")));
    }

    @AfterAll
    static void closeDetector() {
        if (detector != null) {
            detector.close();
        }
    }

    @Test
    void findsTheFacesFaceApiFindsInTheDemoPhotos() throws IOException {
        int faces = 0;
        for (int i = 1; i <= 6; i++) {
            faces += assertSameFaces("sample" + i + ".png", photo("sample" + i + ".png"));
        }
        assertThat(faces).isEqualTo(20);
    }

    @Test
    void findsTheAstronaut() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(ASTRONAUT), "needs python3-skimage's astronaut.png");
        assertThat(assertSameFaces("astronaut.png", ImageIO.read(ASTRONAUT.toFile()))).isEqualTo(1);
    }

    @Test
    void findsNoFaceInALandscapeWithoutPeople() {
        assertThat(assertSameFaces("no_face", noFaceImage(640, 480))).isZero();
        assertThat(detector.detect(new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB))).isEmpty();
    }

    @Test
    void facesComeMostConfidentFirstAndAboveTheThreshold() throws IOException {
        List<DetectedFace> faces = detector.detect(photo("sample5.png"));
        assertThat(faces).hasSizeGreaterThan(1);
        for (int i = 0; i < faces.size(); i++) {
            assertThat(faces.get(i).score()).isGreaterThan(detector.minScore());
            if (i > 0) {
                assertThat(faces.get(i).score()).isLessThanOrEqualTo(faces.get(i - 1).score());
            }
        }
    }

    @Test
    void aMissingModelSaysToRunSetup() {
        Path missing = Path.of("no-such-dir", "tiny_face_detector.pt");
        assertThatThrownBy(() -> FaceDetector.open(EmbeddingConfig.fromFlags(Map.of("face-detector", missing.toString()), Map.of())))
                .isInstanceOf(EncodingException.class)
                .hasMessageContaining("run models/setup.sh")
                .hasMessageContaining(missing.toString());
    }

    /** Asserts that the detector finds face-api's faces in the image; returns how many. */
    private static int assertSameFaces(String name, BufferedImage image) {
        JsonNode expected = referenceFor(name);
        assertThat(image.getWidth()).isEqualTo(expected.get("width").asInt());
        assertThat(image.getHeight()).isEqualTo(expected.get("height").asInt());

        long started = System.nanoTime();
        List<DetectedFace> found = detector.detect(image);
        double ms = (System.nanoTime() - started) / 1e6;

        List<DetectedFace> wanted = new ArrayList<>();
        for (JsonNode face : expected.get("faces")) {
            JsonNode box = face.get("box");
            wanted.add(new DetectedFace(box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(),
                    box.get(3).asDouble(), face.get("score").asDouble()));
        }
        assertThat(found).as("faces in %s", name).hasSameSizeAs(wanted);
        double worstIou = 1;
        double worstScore = 0;
        for (DetectedFace want : wanted) {
            DetectedFace match = found.stream().max((a, b) -> Double.compare(a.iou(want), b.iou(want))).orElseThrow();
            assertThat(match.iou(want)).as("IoU with face-api's face %s in %s", want, name).isGreaterThanOrEqualTo(0.9);
            assertThat(match.score()).as("score of face-api's face %s in %s", want, name).isCloseTo(want.score(), within(0.01));
            worstIou = Math.min(worstIou, match.iou(want));
            worstScore = Math.max(worstScore, Math.abs(match.score() - want.score()));
        }
        System.out.printf("%s: %d faces as face-api, lowest IoU %.5f, largest score difference %.1e (%.0f ms)%n",
                name, found.size(), worstIou, worstScore, ms);
        return found.size();
    }

    private static BufferedImage photo(String name) throws IOException {
        try (InputStream in = FaceDetectorTest.class.getResourceAsStream("/face-reference/photos/" + name)) {
            return ImageIO.read(in);
        }
    }

    private static JsonNode referenceFor(String name) {
        for (JsonNode image : reference.get("images")) {
            if (image.get("image").asText().equals(name)) {
                return image;
            }
        }
        throw new AssertionError("no reference for " + name);
    }

    /** detector_reference.js's noFace(): a sky-to-ground gradient with a horizon and soft stripes. */
    static BufferedImage noFaceImage(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean sky = y < (height * 2) / 5.0 + (x * 7) % 23;
                int r = sky ? 90 + y * 100 / height : 60 + (x * 3 + y) % 40;
                int g = sky ? 140 + y * 80 / height : 110 + (x + y * 5) % 50;
                int b = sky ? 230 - x * 30 / width : 50 + (x * y) % 30;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return image;
    }
}
