package io.matchstream.embedding;

import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileUpload;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.testing.TestStack;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The shared test stack, with the trained projection head in place and profile uploads to publish. */
final class EmbeddingTestStack extends TestStack {

    EmbeddingTestStack(Path dataDir) {
        super(trainedHead(dataDir));
    }

    /** The job embeds through the trained head; trains the shipped default (deterministic) if it is missing. */
    private static Path trainedHead(Path dataDir) {
        if (!java.nio.file.Files.isRegularFile(ProjectionHead.DEFAULT_FILE)) {
            TrainHead.main(new String[] {"--out", ProjectionHead.DEFAULT_FILE.toString()});
        }
        return dataDir;
    }

    ProducerRecord<byte[], byte[]> upload(AvroSerializer<ProfileUpload> serializer,
            String user, byte[] photo, String uri) {
        ProfileUpload upload = ProfileUpload.newBuilder()
                .setEventId("up-" + user).setUserId(user)
                .setPhoto(photo == null ? null : ByteBuffer.wrap(photo)).setPhotoUri(uri)
                .setPhotoFormat(photo == null ? PhotoFormat.URI : PhotoFormat.PNG)
                .setGender(Gender.F).setSeeking(List.of(Gender.M)).setAge(30).setLat(1).setLon(2)
                .setMinAge(18).setMaxAge(99).setMaxDistanceKm(50).setTimestamp(Instant.now())
                .build();
        return new ProducerRecord<>(Topics.PROFILE_UPLOADS.name(), bytes(user), serializer.serialize(Topics.PROFILE_UPLOADS.name(), upload));
    }

    byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
