package io.matchstream.embedding;

import io.matchstream.events.FaceBox;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.ProfileUpload;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Photo in, embedding out, for a batch of validated uploads at a time: decode, detect, pick the profile's
 * face, find its landmarks, align it (eyes level) and crop, and encode all crops of the batch in one
 * inference call. Vectors are L2-normalised.
 */
public final class PhotoEmbedder {
    /** What became of one upload: an embedding, or a reason it has none. */
    public sealed interface Outcome permits Embedded, Refused {}

    public record Embedded(ProfileEmbedding embedding) implements Outcome {}

    public record Refused(String reasonCode, String message) implements Outcome {}

    private final FaceDetector detector;
    private final FaceLandmarks landmarks;
    private final FaceAligner aligner;
    private final ImageEncoder encoder;
    private final ProjectionHead head;
    private final FacePicker picker;
    private final boolean centreCropFallback;
    private final String modelVersion;

    /** @param head the trained projection head, or null to embed with the encoder's own vectors */
    public PhotoEmbedder(FaceDetector detector, FaceLandmarks landmarks, ImageEncoder encoder, ProjectionHead head,
            double ambiguousAreaRatio, double margin, boolean centreCropFallback) {
        if (head != null && encoder.dimension() != ProjectionHead.INPUT) {
            throw new IllegalArgumentException("the projection head takes " + ProjectionHead.INPUT + "-d vectors, the encoder gives "
                    + encoder.dimension() + ": train a head for this encoder or run with --projection-head none");
        }
        this.detector = detector;
        this.landmarks = landmarks;
        this.aligner = new FaceAligner(margin);
        this.encoder = encoder;
        this.head = head;
        this.picker = new FacePicker(ambiguousAreaRatio);
        this.centreCropFallback = centreCropFallback;
        this.modelVersion = modelVersion(encoder, head);
    }

    /**
     * The version every vector carries, derived from the weights (never typed by hand): vectors of
     * different versions are never compared or averaged downstream.
     */
    public static String modelVersion(ImageEncoder encoder, ProjectionHead head) {
        return encoder.encoderId() + "@" + encoder.weightsSha256().substring(0, 12) + "+aligned"
                + (head == null ? "+l2" : "+" + head.version());
    }

    public String modelVersion() {
        return modelVersion;
    }

    /**
     * Sets libtorch's intra-op threads for the whole process ({@code --inference-threads}; 0 leaves
     * libtorch's default). Call it once a model is loaded and before the calling thread first runs one.
     */
    public static void useInferenceThreads(int threads) {
        TorchScriptModel.useThreads(threads);
    }

    public List<Outcome> embed(List<ProfileUpload> uploads) {
        Outcome[] outcomes = new Outcome[uploads.size()];
        List<BufferedImage> crops = new ArrayList<>();
        List<Integer> cropOwners = new ArrayList<>();
        List<FaceBox> boxes = new ArrayList<>();
        for (int i = 0; i < uploads.size(); i++) {
            ProfileUpload upload = uploads.get(i);
            if (upload.getPhoto() == null) {
                outcomes[i] = new Refused("photo_by_reference",
                        "photo given as a URI; the embedding job reads photo bytes only (nothing is fetched at run time)");
                continue;
            }
            BufferedImage image = decode(upload.getPhoto());
            if (image == null) {
                outcomes[i] = new Refused("photo_corrupt", "photo does not decode");
                continue;
            }
            FacePicker.Choice choice = picker.pick(detector.detect(image));
            if (choice instanceof FacePicker.One one) {
                DetectedFace f = one.face();
                // Eyes level, then a square crop with a margin: the pose the face descriptor was trained on.
                crops.add(aligner.align(image, f, landmarks.detect(image, f)));
                boxes.add(new FaceBox((float) f.x(), (float) f.y(), (float) f.width(), (float) f.height(), (float) f.score()));
                cropOwners.add(i);
            } else if (choice instanceof FacePicker.Ambiguous a) {
                outcomes[i] = new Refused("ambiguous_face", a.faces() + " faces, the second "
                        + Math.round(100 * a.secondToFirstArea()) + "% the size of the first: none dominates");
            } else if (centreCropFallback) {
                crops.add(FacePicker.centreSquare(image));
                boxes.add(null);
                cropOwners.add(i);
            } else {
                outcomes[i] = new Refused("no_face", "no face found in the photo");
            }
        }
        if (!crops.isEmpty()) {
            float[][] vectors = encoder.encode(crops);
            if (head != null) {
                vectors = head.project(vectors);
            }
            for (int c = 0; c < crops.size(); c++) {
                int i = cropOwners.get(c);
                ProfileUpload upload = uploads.get(i);
                FaceBox box = boxes.get(c);
                outcomes[i] = new Embedded(ProfileEmbedding.newBuilder()
                        .setUserId(upload.getUserId())
                        .setVector(normalised(vectors[c]))
                        .setModelVersion(modelVersion)
                        .setEncoderId(encoder.encoderId())
                        .setFaceBox(box)
                        .setCentreCrop(box == null)
                        .setSourceEventId(upload.getEventId())
                        .setTimestamp(upload.getTimestamp())
                        .build());
            }
        }
        return List.of(outcomes);
    }

    /**
     * The photo's pixels, or null when it does not decode. Read through an in-memory image stream:
     * {@code ImageIO.read(InputStream)} buffers the stream in a temporary file first (ImageIO's cache).
     */
    public static BufferedImage decode(ByteBuffer photo) {
        ByteArrayInputStream bytes;
        if (photo.hasArray()) {
            bytes = new ByteArrayInputStream(photo.array(), photo.arrayOffset() + photo.position(), photo.remaining());
        } else {
            byte[] copy = new byte[photo.remaining()];
            photo.duplicate().get(copy);
            bytes = new ByteArrayInputStream(copy);
        }
        try {
            return ImageIO.read(new MemoryCacheImageInputStream(bytes)); // closes the stream
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Vectors in the index are always L2-normalised, so inner product is cosine similarity. */
    static List<Float> normalised(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        List<Float> out = new ArrayList<>(vector.length);
        for (float v : vector) {
            out.add((float) (v * scale));
        }
        return out;
    }
}
