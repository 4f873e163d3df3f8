package io.matchstream.embedding;

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
    private final TorchScriptModel net;
    private final String weightsSha256;

    private TorchScriptImageEncoder(Spec spec, TorchScriptModel net, String weightsSha256) {
        this.spec = spec;
        this.net = net;
        this.weightsSha256 = weightsSha256;
    }

    /** Loads the encoder onto DJL's default device (the GPU when DJL finds one). */
    public static TorchScriptImageEncoder open(Spec spec) {
        return open(spec, null);
    }

    /** @param device where it runs, or null for DJL's default device */
    public static TorchScriptImageEncoder open(Spec spec, ai.djl.Device device) {
        Path file = spec.model();
        TorchScriptModel net = TorchScriptModel.load(file, "encoder model",
                "export one with models/export_qwen3_vl_vision.py, or use --encoder dlib", device);
        return new TorchScriptImageEncoder(spec, net, net.weightsSha256());
    }

    @Override
    public float[][] encode(List<BufferedImage> images) {
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
            TorchScriptModel.Output out = net.run(input, batch.size(), 3, side, side);
            if (out.shape().length != 2 || out.shape()[1] != spec.dimension()) {
                throw new EncodingException("encoder returned " + out.describe() + "; expected (N, " + spec.dimension() + ")");
            }
            for (int i = 0; i < batch.size(); i++) {
                vectors[start + i] = java.util.Arrays.copyOfRange(out.values(), i * spec.dimension(), (i + 1) * spec.dimension());
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
    public void close() {
        net.close();
    }
}
