package io.matchstream.embedding;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Prints what each stage of the embedding pipeline costs per photo (median and p90 in ms), on the
 * benchmark's photo (face-api's demo/sample2.jpg scaled to 640 wide, as a JPEG), for the variants a
 * speed change chooses between: detector input 416 / 320 / 256 (square fit; 416 also with the content fit),
 * the full and the tiny landmark net.
 * The stages run interleaved, one call of each per round, so load from other processes on a shared
 * machine spreads over all of them alike and their ratios stay comparable. Next to wall time it prints
 * the calling thread's CPU time, which other processes do not inflate; it is the whole cost only while
 * libtorch computes on the calling thread, so libtorch gets one thread here unless
 * {@code -Dai.djl.pytorch.num_threads} says otherwise. A program, not a test: run it with the test
 * classpath, {@code StageLatency [rounds] [photo-width] [other-detector.pt]}; the last adds rows for another
 * conversion of the detector, to compare it with the configured one in the same run.
 */
public final class StageLatency {

    private interface Stage {
        void run();
    }

    public static void main(String[] args) throws IOException {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "1");
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int width = args.length > 1 ? Integer.parseInt(args[1]) : 640;
        EmbeddingConfig config = EmbeddingConfig.defaults();
        Path sample = config.faceModel().getParent().resolve("face-api-1.7.15/demo/sample2.jpg");
        BufferedImage photo = scaled(ImageIO.read(sample.toFile()), width);
        byte[] jpeg = jpeg(photo);
        BufferedImage decoded = decode(jpeg);
        System.out.printf("photo: sample2.jpg at %d x %d, %,d-byte JPEG; %d rounds; %d cores%n", photo.getWidth(),
                photo.getHeight(), jpeg.length, rounds, Runtime.getRuntime().availableProcessors());

        Path other = args.length > 2 ? Path.of(args[2]) : config.faceDetector();

        FaceDetector.Fit square = FaceDetector.Fit.SQUARE;
        try (FaceDetector d416 = FaceDetector.open(config.faceDetector(), 416, square, config.faceMinScore());
                FaceDetector content416 = FaceDetector.open(config.faceDetector(), 416, FaceDetector.Fit.CONTENT, config.faceMinScore());
                FaceDetector d320 = FaceDetector.open(config.faceDetector(), 320, square, config.faceMinScore());
                FaceDetector d256 = FaceDetector.open(config.faceDetector(), 256, square, config.faceMinScore());
                FaceDetector other416 = FaceDetector.open(other, 416, square, config.faceMinScore());
                FaceDetector other320 = FaceDetector.open(other, 320, square, config.faceMinScore());
                FaceLandmarks full = FaceLandmarks.open(config.faceLandmarks());
                FaceLandmarks tiny = FaceLandmarks.open(config.faceLandmarks().resolveSibling("face_landmarks_68_tiny.pt"));
                DlibFaceEncoder encoder = DlibFaceEncoder.open(config)) {
            DetectedFace face = d416.detect(decoded).get(0);
            Landmarks points = full.detect(decoded, face);
            FaceAligner aligner = new FaceAligner(config.job().faceMargin());
            BufferedImage crop = aligner.align(decoded, face, points);
            List<BufferedImage> eight = Collections.nCopies(8, crop);
            float[] buffer416 = new float[3 * 416 * 416];
            float[] buffer320 = new float[3 * 320 * 320];

            Map<String, Stage> stages = new LinkedHashMap<>();
            stages.put("decode (ImageIO)", () -> decode(jpeg));
            stages.put("detect: read pixels (Java)", () -> FaceInput.rgb(decoded));
            stages.put("detect 416: prepare (Java)", () -> FaceInput.writeSquareChw(decoded, 416, false, buffer416, 0));
            stages.put("detect 416", () -> d416.detect(decoded));
            stages.put("detect 416, content fit", () -> content416.detect(decoded));
            stages.put("detect 320: prepare (Java)", () -> FaceInput.writeSquareChw(decoded, 320, false, buffer320, 0));
            stages.put("detect 320", () -> d320.detect(decoded));
            stages.put("detect 256", () -> d256.detect(decoded));
            if (args.length > 2) {
                stages.put("detect 416, " + other.getFileName(), () -> other416.detect(decoded));
                stages.put("detect 320, " + other.getFileName(), () -> other320.detect(decoded));
            }
            stages.put("landmarks full", () -> full.detect(decoded, face));
            stages.put("landmarks tiny", () -> tiny.detect(decoded, face));
            stages.put("align", () -> aligner.align(decoded, face, points));
            stages.put("encode, batch 8, per face", () -> encoder.encode(eight));

            Map<String, List<Double>> millis = new LinkedHashMap<>();
            Map<String, List<Double>> cpuMillis = new LinkedHashMap<>();
            stages.keySet().forEach(name -> millis.put(name, new ArrayList<>()));
            stages.keySet().forEach(name -> cpuMillis.put(name, new ArrayList<>()));
            for (int round = -3; round < rounds; round++) { // three warm-up rounds: TorchScript optimises on first calls
                for (Map.Entry<String, Stage> stage : stages.entrySet()) {
                    int per = stage.getKey().contains("batch 8") ? 8 : 1;
                    long cpu = threads.getCurrentThreadCpuTime();
                    long t = System.nanoTime();
                    stage.getValue().run();
                    double ms = (System.nanoTime() - t) / 1e6 / per;
                    double cpuMs = (threads.getCurrentThreadCpuTime() - cpu) / 1e6 / per;
                    if (round >= 0) {
                        millis.get(stage.getKey()).add(ms);
                        cpuMillis.get(stage.getKey()).add(cpuMs);
                    }
                }
            }
            System.out.printf("libtorch intra-op threads: %s%n", System.getProperty("ai.djl.pytorch.num_threads"));
            System.out.println("| stage | wall median ms | wall p90 ms | thread CPU median ms |");
            System.out.println("|---|---:|---:|---:|");
            millis.forEach((name, values) -> {
                Collections.sort(values);
                List<Double> cpu = cpuMillis.get(name);
                Collections.sort(cpu);
                System.out.printf("| %s | %.2f | %.2f | %.2f |%n", name, values.get(values.size() / 2),
                        values.get((int) (values.size() * 0.9)), cpu.get(cpu.size() / 2));
            });
        }
    }

    private static BufferedImage decode(byte[] jpeg) {
        try {
            return ImageIO.read(new ByteArrayInputStream(jpeg));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The photo scaled to {@code width} as the benchmark scales it (bilinear, int RGB). */
    static BufferedImage scaled(BufferedImage image, int width) {
        int height = Math.round((float) image.getHeight() * width / image.getWidth());
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}
