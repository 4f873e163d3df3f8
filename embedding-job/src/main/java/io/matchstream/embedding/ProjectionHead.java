package io.matchstream.embedding;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The 512-d projection head over the face descriptor: Linear(128 -> 512) -> LayerNorm -> GELU ->
 * Dropout(0.1, training only) -> L2 normalisation, a DJL block on the PyTorch engine.
 *
 * <p>Invariant: every vector {@link #project} returns has unit length, so inner product is cosine.
 * Its {@link #version()} is derived from the parameters themselves (the sha256 of their saved form,
 * which is byte for byte the file {@link #save} writes), never typed by hand.
 *
 * <p>Thread-safe: {@link #project}, {@link #save} and {@link #version} are serialised. Training
 * ({@link TrainHead}) works on the model directly and must not run concurrently with them.
 */
public final class ProjectionHead implements AutoCloseable {

    public static final int INPUT = DlibFaceEncoder.DIMENSION;
    public static final int DIMENSION = 512;
    static final float DROPOUT = 0.1f;
    public static final Path DEFAULT_FILE = Path.of(System.getProperty("user.home"), ".cache", "matchstream", "models",
            "projection_head.params");

    private final Model model;
    private boolean closed;

    private ProjectionHead(Model model) {
        this.model = model;
    }

    /** A freshly initialised head; the same seed gives the same parameters. */
    public static ProjectionHead untrained(int seed) {
        DjlCache.configure();
        Engine.getEngine("PyTorch").setRandomSeed(seed);
        return new ProjectionHead(newModel(null));
    }

    /** Loads parameters saved by {@link #save} onto DJL's default device; a missing file says how to make one. */
    public static ProjectionHead load(Path file) {
        return load(file, null);
    }

    /** @param device where it runs, or null for DJL's default device */
    public static ProjectionHead load(Path file, ai.djl.Device device) {
        if (!Files.isRegularFile(file)) {
            throw new EncodingException("projection head not found at " + file + ": run ./matchstream train-head"
                    + " (io.matchstream.embedding.TrainHead --out " + file + ")");
        }
        DjlCache.configure();
        Model model = newModel(device);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            model.getBlock().loadParameters(model.getNDManager(), in);
        } catch (IOException | MalformedModelException e) {
            model.close();
            throw new EncodingException("cannot load projection head " + file + ": " + e.getMessage(), e);
        }
        return new ProjectionHead(model);
    }

    private static Model newModel(ai.djl.Device device) {
        Model model = Model.newInstance("projection-head", device, "PyTorch");
        model.setBlock(newBlock());
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, INPUT));
        return model;
    }

    static SequentialBlock newBlock() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(DIMENSION).build())
                .add(LayerNorm.builder().build())
                .add(Activation.geluBlock())
                .add(Dropout.builder().optRate(DROPOUT).build())
                .add(LambdaBlock.singleton(ProjectionHead::l2Normalise, "l2"));
    }

    /** Rows scaled to unit length; the epsilon only guards an all-zero row. */
    static NDArray l2Normalise(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
    }

    /** One unit-length 512-d vector per 128-d descriptor, in inference mode (no dropout). */
    public synchronized float[][] project(float[][] descriptors) {
        ensureOpen();
        int n = descriptors.length;
        if (n == 0) {
            return new float[0][];
        }
        float[] flat = new float[n * INPUT];
        for (int i = 0; i < n; i++) {
            if (descriptors[i].length != INPUT) {
                throw new IllegalArgumentException("descriptor " + i + " has " + descriptors[i].length + " values; expected " + INPUT);
            }
            System.arraycopy(descriptors[i], 0, flat, i * INPUT, INPUT);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList out = model.getBlock().forward(new ParameterStore(manager, false),
                    new NDList(manager.create(flat, new Shape(n, INPUT))), false);
            float[] result = out.singletonOrThrow().toFloatArray();
            float[][] vectors = new float[n][DIMENSION];
            for (int i = 0; i < n; i++) {
                System.arraycopy(result, i * DIMENSION, vectors[i], 0, DIMENSION);
            }
            return vectors;
        }
    }

    /** Writes the parameters (atomically: a reader never sees half a file). */
    public synchronized void save(Path file) {
        ensureOpen();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.write(tmp, parameterBytes());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save projection head to " + file, e);
        }
    }

    /** {@code head-} and the first 12 hex digits of the sha256 of the saved parameters. */
    public synchronized String version() {
        ensureOpen();
        return "head-" + sha256(parameterBytes()).substring(0, 12);
    }

    private byte[] parameterBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            model.getBlock().saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** For training only. */
    Model model() {
        return model;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("projection head is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }
}
