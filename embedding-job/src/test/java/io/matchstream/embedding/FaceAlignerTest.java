package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FaceAligner on real photos turned with Java2D: the aligned crop has level eyes (measured again by
 * detector + landmarks on the crop), and the encoder sees the same person in the aligned crops of the
 * upright and the turned photo. Needs models/setup.sh to have run (detector, landmarks, encoder); without
 * the models every test here fails saying so.
 */
class FaceAlignerTest {

    static final double ROTATION_DEGREES = 12;

    private static final Path DEMO = EmbeddingConfig.DEFAULT_FACE_MODEL.resolveSibling("face-api-1.7.15").resolve("demo");

    private static FaceDetector detector;
    private static FaceLandmarks landmarks;
    private static DlibFaceEncoder encoder;
    private final FaceAligner aligner = new FaceAligner();

    @BeforeAll
    static void openModels() {
        EmbeddingConfig config = EmbeddingConfig.defaults();
        detector = FaceDetector.open(config);
        landmarks = FaceLandmarks.open(config);
        encoder = DlibFaceEncoder.open(config);
    }

    @AfterAll
    static void closeModels() {
        for (AutoCloseable model : new AutoCloseable[] {detector, landmarks, encoder}) {
            try {
                if (model != null) {
                    model.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What aligning one face of a photo and of the photo turned by {@link #ROTATION_DEGREES} gives. */
    record Outcome(String face, double turnedBy, double level, double cosine, double unalignedCosine) {}

    @Test
    void aFaceTurnedTwelveDegreesComesBackLevelAndEncodesAsTheUprightOne() throws IOException {
        BufferedImage upright = ImageIO.read(demoPhoto(1).toFile());
        Outcome outcome = alignBothWays(upright, detector.detect(upright).get(0), "sample1 face 0");
        assertThat(outcome.turnedBy()).as("eye line turn the landmarks see").isCloseTo(ROTATION_DEGREES, within(2.0));
        assertThat(outcome.level()).as("eye line after alignment, degrees").isLessThanOrEqualTo(2);
        assertThat(outcome.cosine()).as("cosine of the aligned crops' descriptors").isGreaterThanOrEqualTo(0.95);
        System.out.printf("%s turned by %.1f degrees: aligned eye line %.2f degrees, cosine %.4f (unaligned %.4f)%n",
                outcome.face(), outcome.turnedBy(), outcome.level(), outcome.cosine(), outcome.unalignedCosine());

        DetectedFace face = detector.detect(upright).get(0);
        Landmarks points = landmarks.detect(upright, face);
        double[] millis = new double[20];
        for (int i = 0; i < millis.length; i++) {
            long started = System.nanoTime();
            aligner.align(upright, face, points);
            millis[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(millis);
        System.out.printf("align, %.0f px face in a %d x %d photo: median %.1f ms%n", face.width(), upright.getWidth(),
                upright.getHeight(), millis[millis.length / 2]);
    }

    /**
     * All demo faces the detector also finds turned (16 of 20). The eye line of an aligned crop is measured
     * by the landmark net again, so it carries the net's own error twice (the full net's reading of the
     * 12 degree turn ranges from 9 to 15 degrees): every face within 4 degrees, the median within 2.
     */
    @Test
    void everyDemoFaceTurnedComesBackNearlyLevel() throws IOException {
        List<Outcome> outcomes = new ArrayList<>();
        for (int p = 1; p <= 6; p++) {
            BufferedImage upright = ImageIO.read(demoPhoto(p).toFile());
            List<DetectedFace> faces = detector.detect(upright);
            for (int f = 0; f < faces.size(); f++) {
                Outcome outcome = alignBothWays(upright, faces.get(f), "sample" + p + " face " + f);
                if (outcome != null) {
                    outcomes.add(outcome);
                }
            }
        }
        System.out.printf("%-16s %9s %9s %9s %9s%n", "face", "turned", "level", "cosine", "unaligned");
        outcomes.forEach(o -> System.out.printf("%-16s %9.2f %9.2f %9.4f %9.4f%n", o.face(), o.turnedBy(), o.level(),
                o.cosine(), o.unalignedCosine()));
        assertThat(outcomes).hasSizeGreaterThanOrEqualTo(15);
        double[] levels = outcomes.stream().mapToDouble(Outcome::level).sorted().toArray();
        System.out.printf("%d faces: eye line after alignment median %.2f, worst %.2f degrees; lowest cosine %.4f"
                + " (unaligned crops %.4f)%n", outcomes.size(), levels[levels.length / 2], levels[levels.length - 1],
                outcomes.stream().mapToDouble(Outcome::cosine).min().orElseThrow(),
                outcomes.stream().mapToDouble(Outcome::unalignedCosine).min().orElseThrow());
        assertThat(levels[levels.length / 2]).isLessThanOrEqualTo(2);
        for (Outcome outcome : outcomes) {
            assertThat(outcome.level()).as("eye line of %s after alignment", outcome.face()).isLessThanOrEqualTo(4);
            assertThat(outcome.cosine()).as("cosine of %s's aligned crops", outcome.face()).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void levelEyesGiveThePlainCropPixelForPixel() {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, (x * 4 << 16) | (y * 5 << 8) | ((x * y) & 0xff));
            }
        }
        List<Landmarks.Point> points = new ArrayList<>();
        for (int i = 0; i < Landmarks.COUNT; i++) {
            points.add(new Landmarks.Point(i < 42 ? 20 + i % 3 : 40 + i % 3, 20 + i % 2)); // both eyes at y 20.5
        }
        DetectedFace face = new DetectedFace(20, 10, 20, 20, 1);
        BufferedImage crop = new FaceAligner(0.25).align(image, face, new Landmarks(points));
        assertThat(crop.getWidth()).isEqualTo(30);
        assertThat(crop.getHeight()).isEqualTo(30);
        for (int v = 0; v < 30; v++) {
            for (int u = 0; u < 30; u++) {
                assertThat(crop.getRGB(u, v) & 0xffffff).as("pixel %d,%d", u, v)
                        .isEqualTo(image.getRGB(15 + u, 5 + v) & 0xffffff);
            }
        }
        assertThatThrownBy(() -> new FaceAligner(-0.1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Aligns {@code face} in the photo and, found again, in the photo turned by {@link #ROTATION_DEGREES};
     * null when the detector does not find it turned.
     */
    private Outcome alignBothWays(BufferedImage upright, DetectedFace face, String name) {
        AffineTransform turn = new AffineTransform();
        BufferedImage turned = rotate(upright, ROTATION_DEGREES, turn);
        DetectedFace turnedFace = nearest(detector.detect(turned), turn.transform(centre(face), null));
        if (turnedFace == null) {
            return null;
        }
        Landmarks uprightPoints = landmarks.detect(upright, face);
        Landmarks turnedPoints = landmarks.detect(turned, turnedFace);
        BufferedImage uprightCrop = aligner.align(upright, face, uprightPoints);
        BufferedImage turnedCrop = aligner.align(turned, turnedFace, turnedPoints);
        float[][] vectors = encoder.encode(List.of(uprightCrop, turnedCrop,
                FacePicker.crop(upright, face, aligner.margin()), FacePicker.crop(turned, turnedFace, aligner.margin())));
        return new Outcome(name, turnedPoints.eyeLineDegrees() - uprightPoints.eyeLineDegrees(),
                Math.max(Math.abs(eyeLineIn(uprightCrop, face)), Math.abs(eyeLineIn(turnedCrop, turnedFace))),
                Cosine.of(vectors[0], vectors[1]), Cosine.of(vectors[2], vectors[3]));
    }

    /** face-api's demo JPEG at full size (1920 wide, faces of 150-350 px), from the package models/setup.sh fetched. */
    private static Path demoPhoto(int number) {
        Path photo = DEMO.resolve("sample" + number + ".jpg");
        if (!Files.isRegularFile(photo)) {
            throw new AssertionError(photo + " is missing: run models/setup.sh");
        }
        return photo;
    }

    /** The eye line the landmark net sees in an aligned crop of {@code face}, whose box sits in the crop's centre; in degrees. */
    private static double eyeLineIn(BufferedImage crop, DetectedFace face) {
        DetectedFace centred = new DetectedFace((crop.getWidth() - face.width()) / 2, (crop.getHeight() - face.height()) / 2,
                face.width(), face.height(), face.score());
        return landmarks.detect(crop, centred).eyeLineDegrees();
    }

    /** The image turned clockwise by {@code degrees} about its centre, on a canvas that holds all of it; {@code turn} maps old to new pixels. */
    static BufferedImage rotate(BufferedImage image, double degrees, AffineTransform turn) {
        double radians = Math.toRadians(degrees);
        double cos = Math.abs(Math.cos(radians));
        double sin = Math.abs(Math.sin(radians));
        int width = (int) Math.ceil(image.getWidth() * cos + image.getHeight() * sin);
        int height = (int) Math.ceil(image.getWidth() * sin + image.getHeight() * cos);
        turn.setToIdentity();
        turn.translate(width / 2.0, height / 2.0);
        turn.rotate(radians);
        turn.translate(-image.getWidth() / 2.0, -image.getHeight() / 2.0);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, turn, null);
        g.dispose();
        return out;
    }

    private static Point2D centre(DetectedFace face) {
        return new Point2D.Double(face.x() + face.width() / 2, face.y() + face.height() / 2);
    }

    /** The face whose centre is closest to {@code at}, if closer than a quarter of its width. */
    private static DetectedFace nearest(List<DetectedFace> faces, Point2D at) {
        return faces.stream()
                .filter(f -> centre(f).distance(at) < f.width() / 4)
                .min(Comparator.comparingDouble(f -> centre(f).distance(at)))
                .orElse(null);
    }
}
