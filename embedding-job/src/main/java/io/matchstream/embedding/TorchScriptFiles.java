package io.matchstream.embedding;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Loading TorchScript files through DJL's PyTorch engine, with errors that say which model and how to get it. */
final class TorchScriptFiles {
    private TorchScriptFiles() {}

    /**
     * @param what  the model, for messages ("face detector")
     * @param howTo what to do when the file is missing ("run models/setup.sh ...")
     * @param device where it runs, or null for DJL's default device (the GPU when DJL finds one)
     */
    static ZooModel<NDList, NDList> load(Path file, String what, String howTo, Device device) {
        if (!Files.isRegularFile(file)) {
            throw new EncodingException(what + " not found at " + file + ": " + howTo);
        }
        String name = file.getFileName().toString();
        if (!name.endsWith(".pt")) {
            throw new EncodingException(what + " must be a TorchScript .pt file, got " + file);
        }
        DjlCache.configure();
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file.toAbsolutePath().getParent()) // DJL's PyTorch engine loads <dir>/<name>.pt
                .optModelName(name.substring(0, name.length() - ".pt".length()))
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator())
                .optDevice(device)
                .build();
        try {
            return criteria.loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException e) {
            throw new EncodingException("cannot load " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Hex SHA-256 of a file: the identity of the weights a vector was made with. */
    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
