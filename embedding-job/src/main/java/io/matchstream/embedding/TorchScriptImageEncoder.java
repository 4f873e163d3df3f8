package io.matchstream.embedding;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Any TorchScript image encoder, described by configuration alone: the file, the square input side, the
 * per-channel mean and std (applied to RGB values scaled to 0..1) and the output dimension. The
 * production encoder (Qwen3-VL-2B's vision tower, exported by {@code models/export_qwen3_vl_vision.py})
 * runs through this class; so can the dlib face encoder, which is how the test checks it.
 *
 * <p>Input images are padded to a square (centred) and resized bilinearly, like {@link FaceInput}. The
 * model must map N x 3 x S x S to N x D for N up to {@code batch} (a model traced for one batch size gets
 * exactly that many per call only if it is 1: set {@code batch} to 1 for such exports). Calls are
 * serialised: a DJL predictor is not thread-safe.
 */
public final class TorchScriptImageEncoder implements ImageEncoder {

    /** Everything that defines the vector space: change any of it and the model version changes. */
    public record Spec(Path model, String encoderId, int inputSize, float[] mean, float[] std, int dimension, int batch) {
        public Spec {
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be at least 1 (a traced model may need exactly 1)");
            }
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("mean and std need one value per RGB channel");
            }
        }
    }

    private final Spec spec;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final String weightsSha256;
    private boolean closed;

    private TorchScriptImageEncoder(Spec spec, ZooModel<NDList, NDList> model, String weightsSha256) {
        this.spec = spec;
        this.model = model;
        this.predictor = model.newPredictor();
        this.weightsSha256 = weightsSha256;
    }

    public static TorchScriptImageEncoder open(Spec spec) {
        Path file = spec.model();
        ZooModel<NDList, NDList> model = TorchScriptFiles.load(file, "encoder model",
                "export one with models/export_qwen3_vl_vision.py, or use --encoder dlib");
        return new TorchScriptImageEncoder(spec, model, TorchScriptFiles.sha256(file));
    }

    @Override
    public synchronized float[][] encode(List<BufferedImage> images) {
        if (closed) {
            throw new IllegalStateException("encoder is closed");
        }
        int side = spec.inputSize();
        int values = 3 * side * side;
        float[][] vectors = new float[images.size()][];
        for (int start = 0; start < images.size(); start += spec.batch()) {
            List<BufferedImage> batch = images.subList(start, Math.min(images.size(), start + spec.batch()));
            float[] input = new float[batch.size() * values];
            for (int i = 0; i < batch.size(); i++) {
                FaceInput.writeSquareChw(batch.get(i), side, true, input, i * values);
                normalise(input, i * values, side * side);
            }
            try (NDManager manager = model.getNDManager().newSubManager()) {
                NDList outputs = predictor.predict(new NDList(manager.create(input, new Shape(batch.size(), 3, side, side))));
                try (NDArray out = outputs.singletonOrThrow()) {
                    if (out.getShape().dimension() != 2 || out.getShape().get(1) != spec.dimension()) {
                        throw new EncodingException("encoder returned " + out.getShape() + "; expected (N, " + spec.dimension() + ")");
                    }
                    float[] flat = out.toFloatArray();
                    for (int i = 0; i < batch.size(); i++) {
                        vectors[start + i] = java.util.Arrays.copyOfRange(flat, i * spec.dimension(), (i + 1) * spec.dimension());
                    }
                }
            } catch (TranslateException e) {
                throw new EncodingException("encoder failed on a batch of " + batch.size() + ": " + e.getMessage(), e);
            }
        }
        return vectors;
    }

    /** RGB 0..255 -> ((v / 255) - mean) / std, per channel plane. */
    private void normalise(float[] values, int offset, int plane) {
        for (int ch = 0; ch < 3; ch++) {
            float mean = spec.mean()[ch];
            float std = spec.std()[ch];
            for (int i = offset + ch * plane, end = i + plane; i < end; i++) {
                values[i] = (values[i] / 255f - mean) / std;
            }
        }
    }

    @Override
    public int dimension() {
        return spec.dimension();
    }

    @Override
    public String encoderId() {
        return spec.encoderId();
    }

    @Override
    public String weightsSha256() {
        return weightsSha256;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            predictor.close();
            model.close();
        }
    }
}
