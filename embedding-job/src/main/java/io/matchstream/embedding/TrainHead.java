package io.matchstream.embedding;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Trains the projection head ({@code ./matchstream train-head}), stage 1: the face encoder frozen.
 *
 * <p>Identities are the real faces at hand: every face {@link FaceDetector} finds in face-api's demo
 * photos ({@code demo/sample1..6.jpg} of the npm package models/setup.sh fetched, 21 faces) and in
 * scikit-image's astronaut when python3-skimage is installed. Each face gives {@value #TRAIN_VIEWS}
 * augmented crops ({@link FaceAugmenter}), encoded once by the frozen {@link DlibFaceEncoder}; the head
 * learns from batches of every identity times {@value #VIEWS_PER_IDENTITY} views with a batch-hard
 * triplet loss (margin 0.5 on squared L2 of unit vectors), Adam at lr 1e-3. Deterministic for a seed.
 *
 * <p>Held out: {@value #HELD_OUT_VIEWS} other augmentations per face (drawn from another random stream)
 * query a gallery of one clean crop per face; top-1 and mean cosines are printed for the raw
 * descriptors and for the head. These are held-out views of the training identities, not new people.
 *
 * <p>Flags: {@code --out PATH} (default {@code ~/.cache/matchstream/models/projection_head.params}),
 * {@code --epochs N} (default {@value #DEFAULT_EPOCHS}), {@code --seed N} (default {@value #DEFAULT_SEED}),
 * and the encoder's and detector's flags ({@code --face-model}, {@code --face-detector}, ...).
 */
public final class TrainHead {

    public static final int DEFAULT_EPOCHS = 30;
    public static final int DEFAULT_SEED = 42;
    static final int TRAIN_VIEWS = 32;
    static final int VIEWS_PER_IDENTITY = 4;
    static final int HELD_OUT_VIEWS = 3;
    static final float MARGIN = 0.5f;
    static final float LEARNING_RATE = 1e-3f;
    static final Path ASTRONAUT = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");

    /** A detected face in a photo: one identity. */
    public record Face(String name, BufferedImage photo, DetectedFace box) {}

    /** Top-1 accuracy of queries against a gallery, and mean cosine to the query's own face and to the others. */
    public record Retrieval(int queries, double top1, double meanSameCosine, double meanOtherCosine) {
        public String describe() {
            return String.format("top-1 %.3f (%d queries), mean cosine same face %.3f, other faces %.3f, margin %.3f",
                    top1, queries, meanSameCosine, meanOtherCosine, meanSameCosine - meanOtherCosine);
        }
    }

    public record Result(List<Double> epochLosses, Retrieval rawHeldOut, Retrieval headHeldOut, double trainSeconds) {}

    private TrainHead() {
    }

    public static void main(String[] args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: train-head [--out PATH] [--epochs N] [--seed N] [--face-model PATH] [--face-detector PATH]");
                System.exit(2);
            }
            flags.put(args[i].substring(2), args[++i]);
        }
        Path out = Path.of(flags.getOrDefault("out", ProjectionHead.DEFAULT_FILE.toString()));
        int epochs = Integer.parseInt(flags.getOrDefault("epochs", Integer.toString(DEFAULT_EPOCHS)));
        int seed = Integer.parseInt(flags.getOrDefault("seed", Integer.toString(DEFAULT_SEED)));
        flags.keySet().removeAll(List.of("out", "epochs", "seed"));
        EmbeddingConfig config = EmbeddingConfig.fromFlags(flags, System.getenv());

        long started = System.nanoTime();
        try (FaceDetector detector = FaceDetector.open(config);
                DlibFaceEncoder encoder = DlibFaceEncoder.open(config);
                ProjectionHead head = ProjectionHead.untrained(seed)) {
            List<Face> faces = realFaces(config, detector);
            System.out.printf("%d faces (identities) in %d photos%n", faces.size(),
                    faces.stream().map(f -> f.name().replaceAll("#.*", "")).distinct().count());
            long encoding = System.nanoTime();
            Descriptors data = encode(faces, encoder, config.job().faceMargin(), seed);
            double encodeSeconds = (System.nanoTime() - encoding) / 1e9;
            Result result = train(head, data, epochs, seed, System.out);
            head.save(out);
            System.out.printf("held out, raw 128-d descriptors: %s%n", result.rawHeldOut().describe());
            System.out.printf("held out, 512-d head:            %s%n", result.headHeldOut().describe());
            System.out.printf("saved %s (%s) in %.1f s (encoding %.1f s, training %.1f s)%n", out, head.version(),
                    (System.nanoTime() - started) / 1e9, encodeSeconds, result.trainSeconds());
        }
    }

    /** Every face the detector finds in face-api's demo photos and, when installed, scikit-image's astronaut. */
    public static List<Face> realFaces(EmbeddingConfig config, FaceDetector detector) {
        Path demo = config.faceModel().toAbsolutePath().getParent().resolve("face-api-1.7.15").resolve("demo");
        List<Path> photos = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            Path photo = demo.resolve("sample" + i + ".jpg");
            if (!Files.isRegularFile(photo)) {
                throw new EncodingException("face-api's demo photo " + photo + " is missing: run models/setup.sh");
            }
            photos.add(photo);
        }
        if (Files.isRegularFile(ASTRONAUT)) {
            photos.add(ASTRONAUT);
        }
        List<Face> faces = new ArrayList<>();
        for (Path photo : photos) {
            BufferedImage image;
            try {
                image = ImageIO.read(photo.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + photo, e);
            }
            List<DetectedFace> found = detector.detect(image);
            for (int i = 0; i < found.size(); i++) {
                faces.add(new Face(photo.getFileName() + "#" + i, image, found.get(i)));
            }
        }
        return faces;
    }

    /** The descriptors training and its held-out evaluation need, encoded once; face i is gallery row i. */
    public record Descriptors(Views train, float[][] gallery, Views heldOut) {
        /** Only the given faces, renumbered in the given order. */
        public Descriptors of(List<Integer> faces) {
            float[][] rows = new float[faces.size()][];
            for (int i = 0; i < faces.size(); i++) {
                rows[i] = gallery[faces.get(i)];
            }
            return new Descriptors(train.of(faces), rows, heldOut.of(faces));
        }
    }

    /** Descriptors of views of a face each, with the face (identity number) each belongs to. */
    public record Views(float[][] vectors, int[] identities) {
        /** Only the views of the given faces, renumbered in the given order. */
        public Views of(List<Integer> faces) {
            List<float[]> kept = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < vectors.length; i++) {
                int at = faces.indexOf(identities[i]);
                if (at >= 0) {
                    kept.add(vectors[i]);
                    ids.add(at);
                }
            }
            return new Views(kept.toArray(new float[0][]), ids.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /**
     * Encodes {@value #TRAIN_VIEWS} augmented views of every face for training, a clean crop of each for
     * the gallery and {@value #HELD_OUT_VIEWS} views from another random stream for held-out queries.
     */
    public static Descriptors encode(List<Face> faces, ImageEncoder encoder, double margin, int seed) {
        FaceAugmenter augmenter = new FaceAugmenter(margin);
        return new Descriptors(views(faces, augmenter, encoder, TRAIN_VIEWS, new Random(seed)),
                encoder.encode(cleanCrops(faces, margin)),
                views(faces, augmenter, encoder, HELD_OUT_VIEWS, new Random(~(long) seed)));
    }

    /** Trains {@code head} in place on {@code data.train()}; prints the loss per epoch to {@code log}. */
    public static Result train(ProjectionHead head, Descriptors data, int epochs, int seed, PrintStream log) {
        int identities = data.gallery().length;
        if (identities < 2) {
            throw new IllegalArgumentException("triplets need at least two faces, got " + identities);
        }
        List<List<Integer>> order = new ArrayList<>();
        for (int f = 0; f < identities; f++) {
            order.add(new ArrayList<>());
        }
        for (int i = 0; i < data.train().identities().length; i++) {
            order.get(data.train().identities()[i]).add(i);
        }
        int steps = order.stream().mapToInt(List::size).min().orElseThrow() / VIEWS_PER_IDENTITY;
        if (steps == 0) {
            throw new IllegalArgumentException("every face needs at least " + VIEWS_PER_IDENTITY + " training views");
        }
        float[][] train = data.train().vectors();
        int batch = identities * VIEWS_PER_IDENTITY;
        Random random = new Random(seed);
        Engine.getEngine("PyTorch").setRandomSeed(seed);

        long started = System.nanoTime();
        List<Double> losses = new ArrayList<>();
        DefaultTrainingConfig config = new DefaultTrainingConfig(new TripletLoss(MARGIN))
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build());
        // A step of this small MLP takes about a millisecond: libtorch's thread pool costs more than it
        // saves (27 s instead of 1 s for 30 epochs on 2 busy cores), and one thread is bitwise reproducible.
        // The setting is process-wide, so it is restored afterwards.
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try (Trainer trainer = head.model().newTrainer(config)) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                order.forEach(views -> Collections.shuffle(views, random));
                double sum = 0;
                for (int step = 0; step < steps; step++) {
                    float[] x = new float[batch * ProjectionHead.INPUT];
                    float[] y = new float[batch];
                    int row = 0;
                    for (int f = 0; f < identities; f++) {
                        for (int k = 0; k < VIEWS_PER_IDENTITY; k++, row++) {
                            System.arraycopy(train[order.get(f).get(step * VIEWS_PER_IDENTITY + k)], 0, x,
                                    row * ProjectionHead.INPUT, ProjectionHead.INPUT);
                            y[row] = f;
                        }
                    }
                    try (NDManager manager = trainer.getManager().newSubManager();
                            GradientCollector collector = trainer.newGradientCollector()) {
                        NDList output = trainer.forward(new NDList(manager.create(x, new Shape(batch, ProjectionHead.INPUT))));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(manager.create(y)), output);
                        collector.backward(loss);
                        sum += loss.getFloat();
                    }
                    trainer.step();
                }
                losses.add(sum / steps);
                log.printf("epoch %d/%d: train loss %.4f%n", epoch, epochs, sum / steps);
            }
        } finally {
            JniUtils.setNumThreads(threads);
        }
        double trainSeconds = (System.nanoTime() - started) / 1e9;
        Views heldOut = data.heldOut();
        return new Result(losses, evaluate(data.gallery(), heldOut.vectors(), heldOut.identities()),
                evaluate(head.project(data.gallery()), head.project(heldOut.vectors()), heldOut.identities()),
                trainSeconds);
    }

    /** Descriptors of {@code perFace} augmented views of every face, in face order. */
    public static Views views(List<Face> faces, FaceAugmenter augmenter, ImageEncoder encoder, int perFace, Random random) {
        List<BufferedImage> crops = new ArrayList<>();
        int[] identities = new int[faces.size() * perFace];
        for (int f = 0; f < faces.size(); f++) {
            for (int v = 0; v < perFace; v++) {
                identities[crops.size()] = f;
                crops.add(augmenter.augment(faces.get(f).photo(), faces.get(f).box(), random));
            }
        }
        return new Views(encoder.encode(crops), identities);
    }

    /** One crop per face, as the embedding job takes it. */
    public static List<BufferedImage> cleanCrops(List<Face> faces, double margin) {
        return faces.stream().map(f -> FacePicker.crop(f.photo(), f.box(), margin)).toList();
    }

    /** Cosine retrieval of each query among the gallery (gallery row i is identity i). */
    public static Retrieval evaluate(float[][] gallery, float[][] queries, int[] identities) {
        int hits = 0;
        double same = 0;
        double other = 0;
        for (int q = 0; q < queries.length; q++) {
            int best = -1;
            double bestCosine = Double.NEGATIVE_INFINITY;
            for (int g = 0; g < gallery.length; g++) {
                double cosine = Cosine.of(queries[q], gallery[g]);
                if (cosine > bestCosine) {
                    bestCosine = cosine;
                    best = g;
                }
                if (g == identities[q]) {
                    same += cosine;
                } else {
                    other += cosine;
                }
            }
            hits += best == identities[q] ? 1 : 0;
        }
        return new Retrieval(queries.length, (double) hits / queries.length, same / queries.length,
                other / ((double) queries.length * (gallery.length - 1)));
    }

}
