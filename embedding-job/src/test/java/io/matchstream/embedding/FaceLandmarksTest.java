package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The converted FaceLandmark68Net and FaceLandmark68TinyNet, run through DJL, against face-api's own TF.js
 * landmarks for the faces of the demo photos (src/test/resources/face-reference/landmarks_reference.json, made by
 * models/make_reference.sh from the boxes in detector_reference.json). Needs models/setup.sh to have run;
 * without the model every test here fails saying so.
 */
class FaceLandmarksTest {

    /** Pixels; the reference stores 4 decimals, float32 noise is far below. */
    static final double TOLERANCE = 0.5;

    static final Path TINY = EmbeddingConfig.DEFAULT_FACE_LANDMARKS.resolveSibling("face_landmarks_68_tiny.pt");

    private static FaceLandmarks landmarks;
    private static FaceLandmarks tinyLandmarks;
    private static JsonNode reference;

    @BeforeAll
    static void openModel() throws IOException {
        try (InputStream in = FaceLandmarksTest.class.getResourceAsStream("/face-reference/landmarks_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        landmarks = FaceLandmarks.open(EmbeddingConfig.defaults());
        tinyLandmarks = FaceLandmarks.open(TINY);
    }

    @AfterAll
    static void closeModel() {
        if (landmarks != null) {
            landmarks.close();
        }
        if (tinyLandmarks != null) {
            tinyLandmarks.close();
        }
    }

    @Test
    void findsFaceApisLandmarksOnEveryFaceOfTheDemoPhotos() throws IOException {
        assertSameLandmarks(landmarks, "full");
    }

    @Test
    void theTinyNetFindsFaceApisTinyLandmarks() throws IOException {
        assertSameLandmarks(tinyLandmarks, "tiny");
    }

    private static void assertSameLandmarks(FaceLandmarks net, String variant) throws IOException {
        int faces = 0;
        double worst = 0;
        List<Double> millis = new ArrayList<>();
        for (JsonNode entry : reference.get("images")) {
            BufferedImage image = photo(entry.get("image").asText());
            for (JsonNode face : entry.get("faces")) {
                JsonNode box = face.get("box");
                DetectedFace detected = new DetectedFace(box.get(0).asDouble(), box.get(1).asDouble(),
                        box.get(2).asDouble(), box.get(3).asDouble(), 1);
                long started = System.nanoTime();
                Landmarks found = net.detect(image, detected);
                millis.add((System.nanoTime() - started) / 1e6);

                // face-api shifts by the box corner, FaceLandmarks by the crop's (the floored, clipped corner).
                double shiftX = Math.floor(Math.max(detected.x(), 0)) - detected.x();
                double shiftY = Math.floor(Math.max(detected.y(), 0)) - detected.y();
                JsonNode points = face.get(variant);
                assertThat(points).hasSize(Landmarks.COUNT);
                for (int i = 0; i < Landmarks.COUNT; i++) {
                    double dx = found.get(i).x() - (points.get(i).get(0).asDouble() + shiftX);
                    double dy = found.get(i).y() - (points.get(i).get(1).asDouble() + shiftY);
                    double distance = Math.hypot(dx, dy);
                    assertThat(distance).as("point %d of face %s in %s", i, box, entry.get("image").asText())
                            .isLessThanOrEqualTo(TOLERANCE);
                    worst = Math.max(worst, distance);
                }
                faces++;
            }
        }
        assertThat(faces).isEqualTo(20);
        millis.sort(null);
        System.out.printf("%s net, %d faces x 68 points as face-api: largest distance %.2e px; per face median %.1f ms,"
                + " slowest %.1f ms%n", variant, faces, worst, millis.get(millis.size() / 2), millis.get(millis.size() - 1));
    }

    @Test
    void eyesLieInsideTheFaceBoxOnTheirSides() throws IOException {
        BufferedImage image = photo("sample2.png");
        JsonNode box = reference.get("images").get(1).get("faces").get(0).get("box");
        DetectedFace face = new DetectedFace(box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(),
                box.get(3).asDouble(), 1);
        Landmarks found = landmarks.detect(image, face);
        Landmarks.Point left = found.leftEyeCentre();
        Landmarks.Point right = found.rightEyeCentre();
        assertThat(left.x()).isBetween(face.x(), face.x() + face.width() / 2);
        assertThat(right.x()).isBetween(face.x() + face.width() / 2, face.x() + face.width());
        assertThat(left.y()).isBetween(face.y(), face.y() + face.height() / 2);
        assertThat(right.y()).isBetween(face.y(), face.y() + face.height() / 2);
    }

    @Test
    void aBoxOutsideTheImageIsRefused() {
        BufferedImage image = new BufferedImage(100, 80, BufferedImage.TYPE_INT_RGB);
        assertThatThrownBy(() -> landmarks.detect(image, new DetectedFace(120, 10, 30, 30, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theModelPathComesFromFlagEnvironmentOrDefault() {
        assertThat(EmbeddingConfig.fromFlags(Map.of(), Map.of()).faceLandmarks())
                .isEqualTo(EmbeddingConfig.DEFAULT_FACE_LANDMARKS);
        assertThat(EmbeddingConfig.fromFlags(Map.of(), Map.of("MATCHSTREAM_FACE_LANDMARKS", "/m/e.pt")).faceLandmarks())
                .isEqualTo(Path.of("/m/e.pt"));
        EmbeddingConfig flagged = EmbeddingConfig.fromFlags(Map.of("face-landmarks", "/m/f.pt"),
                Map.of("MATCHSTREAM_FACE_LANDMARKS", "/m/e.pt"));
        assertThat(flagged.faceLandmarks()).isEqualTo(Path.of("/m/f.pt"));
        assertThat(EmbeddingConfig.fromFlags(flagged.toFlags(), Map.of())).isEqualTo(flagged);
    }

    @Test
    void aMissingModelSaysToRunSetup() {
        Path missing = Path.of("no-such-dir", "face_landmarks_68_tiny.pt");
        assertThatThrownBy(() -> FaceLandmarks.open(EmbeddingConfig.fromFlags(Map.of("face-landmarks", missing.toString()), Map.of())))
                .isInstanceOf(EncodingException.class)
                .hasMessageContaining("run models/setup.sh")
                .hasMessageContaining(missing.toString());
    }

    static BufferedImage photo(String name) throws IOException {
        try (InputStream in = FaceLandmarksTest.class.getResourceAsStream("/face-reference/photos/" + name)) {
            return ImageIO.read(in);
        }
    }
}
