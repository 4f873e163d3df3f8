package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Prints the encoder's latency per call at batch 1 and batch 8 (median and p90 over repeated calls,
 * after a warm-up), on the reference crops. A program, not a test: run it with the test classpath.
 */
public final class EncoderLatency {

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        List<BufferedImage> crops = new ArrayList<>();
        for (String name : new String[] {"sample1_f0_a", "sample2_f0_b", "sample3_f0_a", "sample4_f0_b",
                "sample5_f0_a", "sample6_f0_b", "astronaut_f0_a", "astronaut_f0_b"}) {
            crops.add(ImageIO.read(EncoderLatency.class.getResource("/face-reference/faces/" + name + ".png")));
        }
        long openStart = System.nanoTime();
        try (DlibFaceEncoder encoder = DlibFaceEncoder.open(EmbeddingConfig.fromArgs(args.length > 1 ? new String[] {"--face-model", args[1]} : new String[0]))) {
            System.out.printf("open (libtorch + model): %.0f ms%n", (System.nanoTime() - openStart) / 1e6);
            long first = System.nanoTime();
            encoder.encode(crops.subList(0, 1));
            System.out.printf("first call, batch 1: %.1f ms%n", (System.nanoTime() - first) / 1e6);
            System.out.printf("threads: %d cores visible to the JVM%n", Runtime.getRuntime().availableProcessors());
            for (int batch : new int[] {1, 8}) {
                List<BufferedImage> input = crops.subList(0, batch);
                for (int i = 0; i < 5; i++) {
                    encoder.encode(input);
                }
                List<Double> millis = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    long t = System.nanoTime();
                    encoder.encode(input);
                    millis.add((System.nanoTime() - t) / 1e6);
                }
                Collections.sort(millis);
                double median = millis.get(rounds / 2);
                System.out.printf("batch %d: median %.1f ms, p90 %.1f ms per call (%.1f ms per face)%n",
                        batch, median, millis.get((int) (rounds * 0.9)), median / batch);
            }
        }
    }
}
