package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * face-api's TinyFaceDetector (a YOLOv2-style net with separable convolutions; the weights face-api
 * ships, converted to TorchScript by {@code models/setup.sh}) run on libtorch through DJL.
 *
 * <p>Everything around the net follows face-api's {@code TinyYolov2Base.detect} so that the boxes equal
 * face-api's: the image is padded to a square at the bottom or right and resized bilinearly to the input
 * side ({@link FaceInput}); each cell of the {@code side / 32} grid has 5 anchors, each with
 * {@code [tx, ty, tw, th, score]}; score = sigmoid, centre = (cell + sigmoid(t)) / grid, size =
 * exp(t) * anchor / grid, both corrected for the padding; boxes scoring above the threshold go through
 * greedy non-maximum suppression at IoU 0.4.
 *
 * <p>Thread-safe: calls to {@link #detect} are serialised, as a DJL predictor is not thread-safe.
 */
public final class FaceDetector implements AutoCloseable {

    /** face-api's defaults ({@code TinyFaceDetectorOptions}, {@code tinyFaceDetector/const.ts}). */
    public static final int DEFAULT_INPUT_SIZE = 416;
    public static final double DEFAULT_MIN_SCORE = 0.5;
    static final double IOU_THRESHOLD = 0.4;
    private static final double[][] ANCHORS = {
        {1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061}, {4.266906, 5.178857}, {9.041765, 10.66308},
    };
    private static final int BOX_ENCODING = 5;

    private final TorchScriptModel net;
    private final int inputSize;
    private final double minScore;
    /** Reused by every call (they are serialised): at 416, 2 MB, which G1 allocates as a humongous object. */
    private final float[] input;

    private FaceDetector(TorchScriptModel net, int inputSize, double minScore) {
        this.net = net;
        this.inputSize = inputSize;
        this.minScore = minScore;
        this.input = new float[3 * inputSize * inputSize];
    }

    public static FaceDetector open(EmbeddingConfig config) {
        return open(config.faceDetector(), config.faceDetectorInputSize(), config.faceMinScore(), config.inferenceDevice());
    }

    /** Loads the TorchScript file onto DJL's default device; fails with "run models/setup.sh" when it is not there. */
    public static FaceDetector open(Path modelFile, int inputSize, double minScore) {
        return open(modelFile, inputSize, minScore, null);
    }

    private static FaceDetector open(Path modelFile, int inputSize, double minScore, ai.djl.Device device) {
        if (inputSize <= 0 || inputSize % 32 != 0) {
            throw new IllegalArgumentException("face detector input size must be a positive multiple of 32, got " + inputSize);
        }
        if (!(minScore > 0 && minScore < 1)) {
            throw new IllegalArgumentException("face detector min score must be in (0, 1), got " + minScore);
        }
        return new FaceDetector(TorchScriptModel.load(modelFile, "face detector", "run models/setup.sh"
                + " (or point --face-detector / MATCHSTREAM_FACE_DETECTOR at its tiny_face_detector.pt)", device), inputSize, minScore);
    }

    /** The device the detector runs on (all models of a configuration share one: {@code --inference-device}). */
    public ai.djl.Device device() {
        return net.device();
    }

    /** The faces in the image, most confident first. */
    public synchronized List<DetectedFace> detect(BufferedImage image) {
        int grid = inputSize / 32;
        FaceInput.writeSquareChw(image, inputSize, false, input, 0); // writes every value
        float[] raw = net.run(input, 1, 3, inputSize, inputSize).values();
        if (raw.length != grid * grid * ANCHORS.length * BOX_ENCODING) {
            throw new EncodingException("face detector returned " + raw.length + " values; expected "
                    + grid + " x " + grid + " x " + ANCHORS.length + " x " + BOX_ENCODING);
        }
        return suppressNonMaxima(decode(raw, grid, image.getWidth(), image.getHeight()));
    }

    /** Boxes above the threshold, relative to the image (0..1), from the raw grid output (row, col, anchor, value). */
    private List<DetectedFace> decode(float[] raw, int grid, int imageWidth, int imageHeight) {
        // face-api's computeReshapedDimensions: the image's size inside the padded, resized square.
        double scale = (double) inputSize / Math.max(imageWidth, imageHeight);
        double correctionX = (double) inputSize / Math.round(imageWidth * scale);
        double correctionY = (double) inputSize / Math.round(imageHeight * scale);
        List<DetectedFace> boxes = new ArrayList<>();
        for (int row = 0; row < grid; row++) {
            for (int col = 0; col < grid; col++) {
                for (int anchor = 0; anchor < ANCHORS.length; anchor++) {
                    int at = ((row * grid + col) * ANCHORS.length + anchor) * BOX_ENCODING;
                    double score = sigmoid(raw[at + 4]);
                    if (score <= minScore) {
                        continue;
                    }
                    double centreX = (col + sigmoid(raw[at])) / grid * correctionX;
                    double centreY = (row + sigmoid(raw[at + 1])) / grid * correctionY;
                    double width = Math.exp(raw[at + 2]) * ANCHORS[anchor][0] / grid * correctionX;
                    double height = Math.exp(raw[at + 3]) * ANCHORS[anchor][1] / grid * correctionY;
                    boxes.add(new DetectedFace((centreX - width / 2) * imageWidth, (centreY - height / 2) * imageHeight,
                            width * imageWidth, height * imageHeight, score));
                }
            }
        }
        return boxes;
    }

    /** Greedy NMS as face-api's {@code nonMaxSuppression}: keep the best, drop what overlaps it by more than 0.4. */
    static List<DetectedFace> suppressNonMaxima(List<DetectedFace> boxes) {
        List<DetectedFace> remaining = new ArrayList<>(boxes);
        remaining.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
        List<DetectedFace> kept = new ArrayList<>();
        while (!remaining.isEmpty()) {
            DetectedFace best = remaining.remove(0);
            kept.add(best);
            remaining.removeIf(other -> best.iou(other) > IOU_THRESHOLD);
        }
        return kept;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    public int inputSize() {
        return inputSize;
    }

    public double minScore() {
        return minScore;
    }

    @Override
    public void close() {
        net.close();
    }
}
