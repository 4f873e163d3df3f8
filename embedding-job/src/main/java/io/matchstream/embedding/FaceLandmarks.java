package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * face-api's 68-point face landmark nets (the weights face-api ships, converted to TorchScript by
 * {@code models/setup.sh}) run on libtorch through DJL: the points of a detected face. Either net works,
 * as both take 112 x 112 RGB and give 136 values: FaceLandmark68Net ({@code face_landmarks_68.pt}, the
 * default) or FaceLandmark68TinyNet ({@code face_landmarks_68_tiny.pt}; faster, but its eye line wanders
 * by about twice as many degrees).
 *
 * <p>Around the net it does what face-api's {@code DetectAllFaceLandmarksTask} does for a face box, so the
 * points equal face-api's: the box is clipped at the image borders and floored ({@code extractFaceTensors}),
 * that crop is padded centred to a square and resized bilinearly to 112 ({@link FaceInput}); the net's
 * 136 outputs, relative to that square, have the padding removed and are scaled to the crop
 * ({@code FaceLandmark68NetBase.postProcess}).
 *
 * <p>One deliberate difference: face-api then shifts the points by the unclipped, unfloored box corner,
 * although the crop starts at the clipped, floored one, which puts its points up to a pixel off (and
 * further for a face cut by the image border). Here they are shifted by the crop's corner, so they are
 * where the net saw them.
 *
 * <p>Thread-safe: calls to {@link #detect} are serialised, as a DJL predictor is not thread-safe.
 */
public final class FaceLandmarks implements AutoCloseable {

    static final int INPUT_SIZE = 112;

    private final TorchScriptModel net;
    /** Reused by every call (they are serialised). */
    private final float[] input = new float[3 * INPUT_SIZE * INPUT_SIZE];

    private FaceLandmarks(TorchScriptModel net) {
        this.net = net;
    }

    public static FaceLandmarks open(EmbeddingConfig config) {
        return open(config.faceLandmarks(), config.inferenceDevice());
    }

    /** Loads the TorchScript file onto DJL's default device; fails with "run models/setup.sh" when it is not there. */
    public static FaceLandmarks open(Path modelFile) {
        return open(modelFile, null);
    }

    private static FaceLandmarks open(Path modelFile, ai.djl.Device device) {
        return new FaceLandmarks(TorchScriptModel.load(modelFile, "face landmark model", "run models/setup.sh"
                + " (or point --face-landmarks / MATCHSTREAM_FACE_LANDMARKS at its face_landmarks_68.pt)", device));
    }

    /** The 68 landmarks of the face in {@code face}'s box, in the image's pixels. */
    public synchronized Landmarks detect(BufferedImage image, DetectedFace face) {
        // face-api's Box.clipAtImageBorders(...).floor()
        double left = Math.max(face.x(), 0);
        double top = Math.max(face.y(), 0);
        int cropX = (int) Math.floor(left);
        int cropY = (int) Math.floor(top);
        int cropWidth = (int) Math.floor(Math.min(face.x() + face.width() - left, image.getWidth() - left));
        int cropHeight = (int) Math.floor(Math.min(face.y() + face.height() - top, image.getHeight() - top));
        if (cropWidth <= 0 || cropHeight <= 0 || cropX >= image.getWidth() || cropY >= image.getHeight()) {
            throw new IllegalArgumentException("face box " + face + " lies outside the " + image.getWidth() + " x "
                    + image.getHeight() + " image");
        }
        BufferedImage crop = image.getSubimage(cropX, cropY, cropWidth, cropHeight);

        FaceInput.writeSquareChw(crop, INPUT_SIZE, true, input, 0); // writes every value
        float[] raw = net.run(input, 1, 3, INPUT_SIZE, INPUT_SIZE).values();
        if (raw.length != 2 * Landmarks.COUNT) {
            throw new EncodingException("face landmark model returned " + raw.length + " values; expected " + 2 * Landmarks.COUNT);
        }

        // FaceLandmark68NetBase.postProcess: the crop's size inside the square, and half the padding each side.
        double scale = (double) INPUT_SIZE / Math.max(cropWidth, cropHeight);
        double scaledWidth = cropWidth * scale;
        double scaledHeight = cropHeight * scale;
        double padX = cropWidth < cropHeight ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
        double padY = cropHeight < cropWidth ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
        List<Landmarks.Point> points = new ArrayList<>(Landmarks.COUNT);
        for (int i = 0; i < Landmarks.COUNT; i++) {
            double relativeX = (raw[2 * i] * INPUT_SIZE - padX) / scaledWidth;
            double relativeY = (raw[2 * i + 1] * INPUT_SIZE - padY) / scaledHeight;
            points.add(new Landmarks.Point(cropX + relativeX * cropWidth, cropY + relativeY * cropHeight));
        }
        return new Landmarks(points);
    }

    @Override
    public void close() {
        net.close();
    }
}
