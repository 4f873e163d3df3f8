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
 * greedy non-maximum suppression at IoU 0.4. That is {@link Fit#SQUARE}; {@link Fit#CONTENT} runs the net
 * on less of the padding.
 *
 * <p>Thread-safe: calls to {@link #detect} are serialised, as a DJL predictor is not thread-safe.
 */
public final class FaceDetector implements AutoCloseable {

    /** face-api's defaults ({@code TinyFaceDetectorOptions}, {@code tinyFaceDetector/const.ts}). */
    public static final int DEFAULT_INPUT_SIZE = 416;
    public static final double DEFAULT_MIN_SCORE = 0.5;
    public static final Fit DEFAULT_FIT = Fit.CONTENT;
    static final double IOU_THRESHOLD = 0.4;
    private static final double[][] ANCHORS = {
        {1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061}, {4.266906, 5.178857}, {9.041765, 10.66308},
    };
    private static final int BOX_ENCODING = 5;
    /** The net halves its input five times: one grid cell per 32 x 32 input pixels. */
    private static final int CELL = 32;

    /** How a photo becomes the net's input ({@code --face-detector-fit}). */
    public enum Fit {
        /** face-api's: the longest side scaled to the input size, the rest padded to a square of it. */
        SQUARE,
        /**
         * The same resize, bit for bit, padded only up to the next multiple of 32 of each side (416 x 320 for a
         * 640 x 456 photo): the net is fully convolutional, and a square of mostly padding costs as much per
         * pixel as the photo. Faces within the net's reach of the right or bottom edge get slightly different
         * boxes from face-api's, as the net sees less of the black padding there (FaceDetectorFitTest).
         */
        CONTENT;

        public static Fit parse(String name) {
            return switch (name) {
                case "square" -> SQUARE;
                case "content" -> CONTENT;
                default -> throw new IllegalArgumentException("--face-detector-fit must be content or square, got " + name);
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final TorchScriptModel net;
    private final int inputSize;
    private final Fit fit;
    private final double minScore;
    /** Reused by every call (they are serialised): at 416, 2 MB, which G1 allocates as a humongous object. */
    private final float[] input;

    private FaceDetector(TorchScriptModel net, int inputSize, Fit fit, double minScore) {
        this.net = net;
        this.inputSize = inputSize;
        this.fit = fit;
        this.minScore = minScore;
        this.input = new float[3 * inputSize * inputSize];
    }

    public static FaceDetector open(EmbeddingConfig config) {
        return open(config.faceDetector(), config.faceDetectorInputSize(), config.faceDetectorFit(), config.faceMinScore(),
                config.inferenceDevice());
    }

    /** Loads the TorchScript file onto DJL's default device; fails with "run models/setup.sh" when it is not there. */
    public static FaceDetector open(Path modelFile, int inputSize, Fit fit, double minScore) {
        return open(modelFile, inputSize, fit, minScore, null);
    }

    private static FaceDetector open(Path modelFile, int inputSize, Fit fit, double minScore, ai.djl.Device device) {
        if (inputSize <= 0 || inputSize % CELL != 0) {
            throw new IllegalArgumentException("face detector input size must be a positive multiple of 32, got " + inputSize);
        }
        if (!(minScore > 0 && minScore < 1)) {
            throw new IllegalArgumentException("face detector min score must be in (0, 1), got " + minScore);
        }
        FaceDetector detector = new FaceDetector(TorchScriptModel.load(modelFile, "face detector", "run models/setup.sh"
                + " (or point --face-detector / MATCHSTREAM_FACE_DETECTOR at its tiny_face_detector.pt)", device), inputSize,
                fit, minScore);
        if (fit == Fit.CONTENT) {
            detector.checkTakesRectangles(modelFile);
        }
        return detector;
    }

    /**
     * Fails when the model file was converted before the converter took non-square inputs (its output
     * assumed a square grid): {@code models/setup.sh} reconverts it.
     */
    private void checkTakesRectangles(Path modelFile) {
        int values;
        try {
            values = net.run(new float[3 * CELL * 2 * CELL], 1, 3, CELL, 2 * CELL).values().length;
        } catch (RuntimeException e) {
            values = -1;
        }
        if (values != 2 * ANCHORS.length * BOX_ENCODING) {
            close();
            throw new EncodingException("the face detector " + modelFile + " takes square inputs only (converted before"
                    + " --face-detector-fit content): run models/setup.sh to reconvert it, or use --face-detector-fit square");
        }
    }

    /** The device the detector runs on (all models of a configuration share one: {@code --inference-device}). */
    public ai.djl.Device device() {
        return net.device();
    }

    /** The faces in the image, most confident first. */
    public synchronized List<DetectedFace> detect(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int columns = inputSize;
        int rows = inputSize;
        if (fit == Fit.CONTENT) {
            int side = Math.max(width, height);
            columns = roundUpToCell(FaceInput.resizedExtent(width, side, inputSize));
            rows = roundUpToCell(FaceInput.resizedExtent(height, side, inputSize));
        }
        FaceInput.writeTopLeftChw(image, inputSize, columns, rows, input, 0); // writes every value of the rows x columns
        float[] raw = net.run(input, 1, 3, rows, columns).values();
        int gridX = columns / CELL;
        int gridY = rows / CELL;
        if (raw.length != gridY * gridX * ANCHORS.length * BOX_ENCODING) {
            throw new EncodingException("face detector returned " + raw.length + " values; expected "
                    + gridY + " x " + gridX + " x " + ANCHORS.length + " x " + BOX_ENCODING);
        }
        return suppressNonMaxima(decode(raw, gridX, gridY, width, height));
    }

    private static int roundUpToCell(int length) {
        return (length + CELL - 1) / CELL * CELL;
    }

    /**
     * Boxes above the threshold, relative to the image (0..1), from the raw grid output (row, col, anchor,
     * value) of a {@code gridY} x {@code gridX} grid over the net's input (the square one: both inputSize / 32).
     */
    private List<DetectedFace> decode(float[] raw, int gridX, int gridY, int imageWidth, int imageHeight) {
        // face-api's computeReshapedDimensions: the image's size inside the padded, resized input.
        double scale = (double) inputSize / Math.max(imageWidth, imageHeight);
        double correctionX = (double) (gridX * CELL) / Math.round(imageWidth * scale);
        double correctionY = (double) (gridY * CELL) / Math.round(imageHeight * scale);
        List<DetectedFace> boxes = new ArrayList<>();
        for (int row = 0; row < gridY; row++) {
            for (int col = 0; col < gridX; col++) {
                for (int anchor = 0; anchor < ANCHORS.length; anchor++) {
                    int at = ((row * gridX + col) * ANCHORS.length + anchor) * BOX_ENCODING;
                    double score = sigmoid(raw[at + 4]);
                    if (score <= minScore) {
                        continue;
                    }
                    double centreX = (col + sigmoid(raw[at])) / gridX * correctionX;
                    double centreY = (row + sigmoid(raw[at + 1])) / gridY * correctionY;
                    double width = Math.exp(raw[at + 2]) * ANCHORS[anchor][0] / gridX * correctionX;
                    double height = Math.exp(raw[at + 3]) * ANCHORS[anchor][1] / gridY * correctionY;
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

    public Fit fit() {
        return fit;
    }

    public double minScore() {
        return minScore;
    }

    @Override
    public void close() {
        net.close();
    }
}
