package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * The default encoder: dlib's ResNet-29 face descriptor (128-d, 150 x 150 RGB input), with the weights
 * face-api ships, converted to TorchScript by {@code models/setup.sh} and run on libtorch through DJL.
 *
 * <p>Inputs are face crops; each is prepared exactly as face-api prepares it ({@link FaceInput}), so a
 * vector equals face-api's descriptor for the same crop. Vectors are returned as the network gives them
 * (not L2-normalised); dlib compares them by Euclidean distance, about 0.6 separating two people.
 *
 * <p>Thread-safe: calls to {@link #encode} are serialised, as a DJL predictor is not thread-safe.
 */
public final class DlibFaceEncoder implements ImageEncoder {

    public static final String ENCODER_ID = "dlib-resnet29-face-v1";
    public static final int DIMENSION = 128;
    /** Larger inputs are split into batches of this many crops, bounding native memory per call. */
    static final int MAX_BATCH = 32;

    private final TorchScriptModel net;
    private final String weightsSha256;
    /** Reused by every call (they are serialised), grown to the largest batch: 8.6 MB at 32 faces. */
    private float[] input = new float[0];

    private DlibFaceEncoder(TorchScriptModel net, String weightsSha256) {
        this.net = net;
        this.weightsSha256 = weightsSha256;
    }

    public static DlibFaceEncoder open(EmbeddingConfig config) {
        return open(config.faceModel(), config.inferenceDevice());
    }

    /** Loads the TorchScript file onto DJL's default device; fails with "run models/setup.sh" when it is not there. */
    public static DlibFaceEncoder open(Path modelFile) {
        return open(modelFile, null);
    }

    private static DlibFaceEncoder open(Path modelFile, ai.djl.Device device) {
        TorchScriptModel net = TorchScriptModel.load(modelFile, "face model", "run models/setup.sh"
                + " (or point --face-model / MATCHSTREAM_FACE_MODEL at its face_recognition.pt)", device);
        return new DlibFaceEncoder(net, net.weightsSha256());
    }

    @Override
    public synchronized float[][] encode(List<BufferedImage> faces) {
        float[][] vectors = new float[faces.size()][];
        for (int start = 0; start < faces.size(); start += MAX_BATCH) {
            List<BufferedImage> batch = faces.subList(start, Math.min(faces.size(), start + MAX_BATCH));
            float[] flat = encodeBatch(batch);
            for (int i = 0; i < batch.size(); i++) {
                float[] vector = new float[DIMENSION];
                System.arraycopy(flat, i * DIMENSION, vector, 0, DIMENSION);
                vectors[start + i] = vector;
            }
        }
        return vectors;
    }

    private float[] encodeBatch(List<BufferedImage> batch) {
        if (input.length < batch.size() * FaceInput.VALUES) {
            input = new float[batch.size() * FaceInput.VALUES];
        }
        for (int i = 0; i < batch.size(); i++) {
            FaceInput.writeChw(batch.get(i), input, i * FaceInput.VALUES);
        }
        TorchScriptModel.Output out = net.run(input, batch.size(), 3, FaceInput.SIDE, FaceInput.SIDE);
        if (out.values().length != batch.size() * DIMENSION) {
            throw new EncodingException("face model returned " + out.describe() + " for " + batch.size()
                    + " faces; expected (" + batch.size() + ", " + DIMENSION + ")");
        }
        return out.values();
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public String encoderId() {
        return ENCODER_ID;
    }

    @Override
    public String weightsSha256() {
        return weightsSha256;
    }

    @Override
    public void close() {
        net.close();
    }
}
