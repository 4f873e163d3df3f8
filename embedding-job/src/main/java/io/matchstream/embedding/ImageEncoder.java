package io.matchstream.embedding;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Turns photos into fixed-size vectors. Implementations are chosen by configuration (the dlib face
 * encoder by default); downstream code only sees this interface, the encoder id and the weights' hash,
 * which together say which vector space an embedding lives in.
 */
public interface ImageEncoder extends AutoCloseable {

    /** One vector of {@link #dimension()} floats per input image, in input order. */
    float[][] encode(List<BufferedImage> faces);

    int dimension();

    /** A stable name of the model and its preprocessing, e.g. {@code dlib-resnet29-face-v1}. */
    String encoderId();

    /** Hex SHA-256 of the weights file actually loaded, so vectors from other weights are never mixed. */
    String weightsSha256();

    @Override
    void close();
}
