package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The converted dlib face encoder, run through DJL, against descriptors that face-api's own TF.js code
 * computed for the same crops (src/test/resources/face-reference, made by models/make_reference.sh).
 * Needs models/setup.sh to have run; without the model every test here fails saying so.
 */
class DlibFaceEncoderTest {

    private static final String REFERENCE = "/face-reference/";

    private static DlibFaceEncoder encoder;
    private static List<ReferenceFace> reference;

    record ReferenceFace(String file, String person, BufferedImage crop, float[] descriptor) {
    }

    @BeforeAll
    static void openEncoder() throws IOException {
        reference = loadReference();
        encoder = DlibFaceEncoder.open(EmbeddingConfig.defaults());
    }

    @AfterAll
    static void closeEncoder() {
        if (encoder != null) {
            encoder.close();
        }
    }

    @Test
    void equalsFaceApiDescriptors() {
        float[][] vectors = encoder.encode(reference.stream().map(ReferenceFace::crop).toList());

        double worstCosine = 1;
        double worstDifference = 0;
        for (int i = 0; i < reference.size(); i++) {
            float[] expected = reference.get(i).descriptor();
            double cosine = Cosine.of(vectors[i], expected);
            assertThat(cosine).as("cosine to face-api's descriptor of %s", reference.get(i).file()).isGreaterThanOrEqualTo(1 - 1e-4);
            worstCosine = Math.min(worstCosine, cosine);
            for (int k = 0; k < expected.length; k++) {
                worstDifference = Math.max(worstDifference, Math.abs(vectors[i][k] - expected[k]));
            }
        }
        System.out.printf("%d crops vs face-api: lowest cosine 1 - %.1e, largest element difference %.1e%n",
                reference.size(), 1 - worstCosine, worstDifference);
    }

    @Test
    void twoCropsOfOneFaceAreCloserThanCropsOfDifferentFaces() {
        float[][] vectors = encoder.encode(reference.stream().map(ReferenceFace::crop).toList());

        double same = 0;
        double different = 0;
        int sameCount = 0;
        int differentCount = 0;
        for (int i = 0; i < vectors.length; i++) {
            for (int j = i + 1; j < vectors.length; j++) {
                double cosine = Cosine.of(vectors[i], vectors[j]);
                if (reference.get(i).person().equals(reference.get(j).person())) {
                    same += cosine;
                    sameCount++;
                } else {
                    different += cosine;
                    differentCount++;
                }
            }
        }
        int nearestIsSameFace = 0;
        for (int i = 0; i < vectors.length; i++) {
            int nearest = -1;
            for (int j = 0; j < vectors.length; j++) {
                if (j != i && (nearest < 0 || Cosine.of(vectors[i], vectors[j]) > Cosine.of(vectors[i], vectors[nearest]))) {
                    nearest = j;
                }
            }
            if (reference.get(nearest).person().equals(reference.get(i).person())) {
                nearestIsSameFace++;
            }
        }
        System.out.printf("mean cosine: same face %.4f (%d pairs), different faces %.4f (%d pairs); nearest crop is the same face for %d of %d%n",
                same / sameCount, sameCount, different / differentCount, differentCount, nearestIsSameFace, vectors.length);

        assertThat(sameCount).isGreaterThanOrEqualTo(5);
        assertThat(same / sameCount).isGreaterThan(different / differentCount + 0.03);
        // The crops are not landmark-aligned as dlib's were in training, so one look-alike is tolerated.
        assertThat(nearestIsSameFace).isGreaterThanOrEqualTo(vectors.length - 1);
    }

    @Test
    void aBatchEncodesLikeSingleFaces() {
        List<BufferedImage> crops = reference.stream().map(ReferenceFace::crop).toList();
        float[][] batch = encoder.encode(crops);

        for (int i = 0; i < crops.size(); i++) {
            float[] single = encoder.encode(List.of(crops.get(i)))[0];
            assertThat(single).hasSize(encoder.dimension());
            assertThat(Cosine.of(single, batch[i])).isGreaterThanOrEqualTo(1 - 1e-6);
        }
    }

    @Test
    void identifiesItsWeights() {
        assertThat(encoder.encoderId()).isEqualTo("dlib-resnet29-face-v1");
        assertThat(encoder.dimension()).isEqualTo(128);
        assertThat(encoder.weightsSha256()).matches("[0-9a-f]{64}");
    }

    @Test
    void aMissingModelSaysToRunSetup() {
        Path missing = Path.of("no-such-dir", "face_recognition.pt");
        assertThatThrownBy(() -> DlibFaceEncoder.open(EmbeddingConfig.fromFlags(Map.of("face-model", missing.toString()), Map.of())))
                .isInstanceOf(EncodingException.class)
                .hasMessageContaining("run models/setup.sh")
                .hasMessageContaining(missing.toString());
    }

    private static List<ReferenceFace> loadReference() throws IOException {
        JsonNode root;
        try (InputStream in = DlibFaceEncoderTest.class.getResourceAsStream(REFERENCE + "face_reference.json")) {
            root = new ObjectMapper().readTree(in);
        }
        List<ReferenceFace> faces = new ArrayList<>();
        for (JsonNode face : root.get("faces")) {
            String file = face.get("file").asText();
            BufferedImage crop;
            try (InputStream in = DlibFaceEncoderTest.class.getResourceAsStream(REFERENCE + file)) {
                crop = ImageIO.read(in);
            }
            float[] descriptor = new float[face.get("descriptor").size()];
            for (int k = 0; k < descriptor.length; k++) {
                descriptor[k] = (float) face.get("descriptor").get(k).asDouble();
            }
            faces.add(new ReferenceFace(file, face.get("person").asText(), crop, descriptor));
        }
        return faces;
    }

}
