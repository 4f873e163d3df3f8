package io.matchstream.embedding;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * One loaded TorchScript model and its predictor: one float tensor in, one float tensor out. Owns both
 * native handles and frees them exactly once in {@link #close()}. Calls are serialised, as a DJL predictor
 * is not thread-safe.
 */
final class TorchScriptModel implements AutoCloseable {

    /** The single output: its shape and its values, flat in row-major order. */
    record Output(long[] shape, float[] values) {
        String describe() {
            return new Shape(shape).toString();
        }
    }

    private final String what;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final String weightsSha256;
    /**
     * The input of the call in progress, handed to libtorch without a further copy. Reused, as calls are
     * serialised: a fresh direct buffer a call (DJL's own for a float[]) costs zeroing and a Cleaner.
     */
    private ByteBuffer staging = ByteBuffer.allocateDirect(0);
    private boolean closed;

    private TorchScriptModel(String what, ZooModel<NDList, NDList> model, String weightsSha256) {
        this.what = what;
        this.model = model;
        this.predictor = model.newPredictor();
        this.weightsSha256 = weightsSha256;
    }

    /** @see TorchScriptFiles#load(Path, String, String, Device) */
    static TorchScriptModel load(Path file, String what, String howTo, Device device) {
        ZooModel<NDList, NDList> model = TorchScriptFiles.load(file, what, howTo, device);
        return new TorchScriptModel(what, model, TorchScriptFiles.sha256(file));
    }

    /**
     * Sets libtorch's intra-op thread count for the whole process (0 leaves it as it is). Call it after a
     * model has loaded (the engine is loaded then) and before the calling thread's first inference:
     * libtorch applies the count to each thread when that thread first computes.
     */
    static void useThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("inference threads must be 0 (libtorch's default) or more, got " + threads);
        }
        if (threads > 0 && JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }

    /** The device the model runs on. */
    Device device() {
        return model.getNDManager().getDevice();
    }

    String weightsSha256() {
        return weightsSha256;
    }

    /** Runs the model on the first {@code shape}-many values of {@code input} (callers may reuse a larger array). */
    synchronized Output run(float[] input, long... shape) {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
        Shape inputShape = new Shape(shape);
        int values = Math.toIntExact(inputShape.size());
        if (values > input.length) {
            throw new IllegalArgumentException(what + ": input " + inputShape + " needs " + values + " values, got " + input.length);
        }
        if (staging.capacity() < values * Float.BYTES) {
            staging = ByteBuffer.allocateDirect(values * Float.BYTES).order(ByteOrder.nativeOrder());
        }
        staging.clear().limit(values * Float.BYTES);
        staging.asFloatBuffer().put(input, 0, values);
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList outputs = predictor.predict(new NDList(manager.create(staging, inputShape, DataType.FLOAT32)));
            try (NDArray out = outputs.singletonOrThrow()) {
                return new Output(out.getShape().getShape(), out.toFloatArray());
            }
        } catch (TranslateException e) {
            throw new EncodingException(what + " failed on input " + new Shape(shape) + ": " + e.getMessage(), e);
        }
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
