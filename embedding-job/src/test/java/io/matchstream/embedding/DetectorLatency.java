package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Prints the face detector's latency per image (median and p90 over repeated calls, after a warm-up),
 * split into preparation (pad + resize, Java) and the whole call, on a 480-wide reference photo and on
 * face-api's full-size 1920-wide demo JPEG. A program, not a test: run it with the test classpath.
 */
public final class DetectorLatency {

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        BufferedImage small = ImageIO.read(DetectorLatency.class.getResource("/face-reference/photos/sample5.png"));
        Path large = EmbeddingConfig.DEFAULT_FACE_MODEL.getParent().resolve("face-api-1.7.15/demo/sample5.jpg");
        long openStart = System.nanoTime();
        try (FaceDetector detector = FaceDetector.open(EmbeddingConfig.defaults())) {
            System.out.printf("open (libtorch + model): %.0f ms%n", (System.nanoTime() - openStart) / 1e6);
            long first = System.nanoTime();
            detector.detect(small);
            System.out.printf("first call: %.1f ms%n", (System.nanoTime() - first) / 1e6);
            measure("480 x 350 PNG", small, detector, rounds);
            measure("1920 x 1398 JPEG", ImageIO.read(large.toFile()), detector, rounds);
        }
    }

    private static void measure(String label, BufferedImage image, FaceDetector detector, int rounds) {
        for (int i = 0; i < 3; i++) {
            detector.detect(image);
        }
        List<Double> total = new ArrayList<>();
        List<Double> prepare = new ArrayList<>();
        float[] buffer = new float[3 * detector.inputSize() * detector.inputSize()];
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            FaceInput.writeSquareChw(image, detector.inputSize(), false, buffer, 0);
            prepare.add((System.nanoTime() - t) / 1e6);
            t = System.nanoTime();
            detector.detect(image);
            total.add((System.nanoTime() - t) / 1e6);
        }
        Collections.sort(total);
        Collections.sort(prepare);
        System.out.printf("%s: median %.1f ms, p90 %.1f ms per image (of which preparation %.1f ms)%n",
                label, total.get(rounds / 2), total.get((int) (rounds * 0.9)), prepare.get(rounds / 2));
    }
}
