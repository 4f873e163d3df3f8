package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Which faces a smaller detector input still finds: for every photo {@link TrainHead#realFaces} uses
 * (face-api's demo photos and scikit-image's astronaut), the faces found at input 416 (face-api's) and,
 * for each smaller size given, how many of them are found again (IoU >= 0.5 with a face found there),
 * the lowest such IoU, the largest score change and any extra faces. A program, not a test: run it with
 * the test classpath, {@code DetectorInputSizes [size...]} (default 320 256).
 */
public final class DetectorInputSizes {

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {320, 256} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        EmbeddingConfig config = EmbeddingConfig.defaults();
        try (FaceDetector reference = FaceDetector.open(config.faceDetector(), 416, config.faceDetectorFit(), config.faceMinScore())) {
            List<TrainHead.Face> faces = TrainHead.realFaces(config, reference);
            for (int size : sizes) {
                try (FaceDetector smaller = FaceDetector.open(config.faceDetector(), size, config.faceDetectorFit(), config.faceMinScore())) {
                    int found = 0;
                    int extra = 0;
                    double lowestIou = 1;
                    double largestScoreChange = 0;
                    BufferedImage last = null;
                    List<DetectedFace> atSize = List.of();
                    for (TrainHead.Face face : faces) {
                        if (face.photo() != last) {
                            last = face.photo();
                            atSize = smaller.detect(last);
                            long inPhoto = faces.stream().filter(f -> f.photo() == face.photo()).count();
                            extra += Math.max(0, atSize.size() - (int) inPhoto);
                        }
                        DetectedFace want = face.box();
                        DetectedFace best = atSize.stream().max((a, b) -> Double.compare(a.iou(want), b.iou(want))).orElse(null);
                        if (best != null && best.iou(want) >= 0.5) {
                            found++;
                            lowestIou = Math.min(lowestIou, best.iou(want));
                            largestScoreChange = Math.max(largestScoreChange, Math.abs(best.score() - want.score()));
                        } else {
                            System.out.printf("input %d misses %s (%.0f x %.0f px in a %d x %d photo, score %.3f at 416)%n", size,
                                    face.name(), want.width(), want.height(), face.photo().getWidth(), face.photo().getHeight(),
                                    want.score());
                        }
                    }
                    System.out.printf("input %d: finds %d of the %d faces found at 416 (lowest IoU %.3f, largest score change"
                            + " %.3f), %d extra%n", size, found, faces.size(), lowestIou, largestScoreChange, extra);
                }
            }
        }
    }
}
