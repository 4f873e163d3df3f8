package io.matchstream.launcher;

import io.matchstream.events.RawProfileUpload;
import io.matchstream.events.RawSwipe;
import io.matchstream.schemas.Topics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Starts the local stack, publishes two profiles, a mutual like, and two bad records (a self-swipe and
 * bytes that are not Avro), then prints what the ingest job made of them, decoded through the registry.
 */
final class DemoCommand {
    static final String USAGE = "demo [--exit] [local flags]: start the stack, publish samples, tail the results";

    private DemoCommand() {}

    static int run(String[] args, PrintStream out) throws Exception {
        Flags flags = new Flags(args, Set.of("no-jobs", "exit"));
        boolean exit = flags.has("exit");
        LocalStack stack = Matchstream.startStack(flags, out);
        try {
            String bootstrap = stack.bootstrapServers();
            String registry = stack.registryUrl();
            byte[] drawn = samplePhoto();
            // A real face for alice (face-api's demo photo, fetched by models/setup.sh); bob's drawn
            // portrait has no face the detector accepts, so the embedding job dead-letters it.
            java.nio.file.Path real = io.matchstream.embedding.EmbeddingConfig.defaults().faceModel().getParent()
                    .resolve("face-api-1.7.15/demo/sample2.jpg");
            byte[] face = java.nio.file.Files.isRegularFile(real) ? java.nio.file.Files.readAllBytes(real) : drawn;
            Instant now = Instant.now();
            // Only this run's records: with a kept data directory the topics still hold earlier runs'.
            long since = now.toEpochMilli() - 1_000;
            String run = Long.toString(System.currentTimeMillis() % 100000);
            String alice = "alice-" + run;
            String bob = "bob-" + run;
            out.println();
            out.println("== publishing to the raw topics");
            PublishCommand.publish(bootstrap, registry, Topics.RAW_PROFILE_UPLOADS, alice, profile(alice, "F", "M", 29, 52.52, 13.40, face, now), out);
            PublishCommand.publish(bootstrap, registry, Topics.RAW_PROFILE_UPLOADS, bob, profile(bob, "M", "F", 31, 52.50, 13.42, drawn, now), out);
            PublishCommand.publish(bootstrap, registry, Topics.RAW_SWIPES, alice, swipe(alice, bob, "like", now), out);
            PublishCommand.publish(bootstrap, registry, Topics.RAW_SWIPES, bob, swipe(bob, alice, "like", now), out);
            out.println("publishing two bad records: a self-swipe, and bytes that are not Avro");
            PublishCommand.publish(bootstrap, registry, Topics.RAW_SWIPES, bob, swipe(bob, bob, "like", now), out);
            publishGarbage(bootstrap);

            out.println();
            out.println("== ./matchstream tail " + Topics.PROFILE_ATTRIBUTES.name() + " (validated profile state)");
            TailCommand.tail(bootstrap, registry, Topics.PROFILE_ATTRIBUTES.name(), false, 100, 8, since, null, true, out);
            out.println("== ./matchstream tail " + Topics.SWIPES.name());
            TailCommand.tail(bootstrap, registry, Topics.SWIPES.name(), false, 100, 3, since, null, true, out);
            if (stack.runningJobs().contains("embedding")) {
                out.println("== ./matchstream tail " + Topics.PROFILE_EMBEDDINGS.name() + " --brief (face embeddings)");
                TailCommand.tail(bootstrap, registry, Topics.PROFILE_EMBEDDINGS.name(), false, 100, 8, since, null, true, out);
            }
            if (stack.runningJobs().stream().anyMatch(j -> j.startsWith("preference"))) {
                out.println("== ./matchstream tail " + Topics.MATCHES.name() + " (the mutual like)");
                TailCommand.tail(bootstrap, registry, Topics.MATCHES.name(), false, 1, 20, since, null, true, out);
                if (stack.runningJobs().contains("embedding")) {
                    // bob has no face of his own, so his blended vector is his preference: alice's face.
                    out.println("== ./matchstream tail " + Topics.PREFERENCE_UPDATES.name() + " --brief (bob liked alice's face)");
                    TailCommand.tail(bootstrap, registry, Topics.PREFERENCE_UPDATES.name(), false, 1, 20, since, bob, true, out);
                }
            }
            out.println("== ./matchstream tail " + Topics.DEAD_LETTERS.name());
            TailCommand.tail(bootstrap, registry, Topics.DEAD_LETTERS.name(), false, 100, 3, since, null, true, out);
            out.println();
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        if (exit) {
            stack.close();
            return 0;
        }
        out.println("the stack keeps running: try `./matchstream publish ...` and `./matchstream tail TOPIC` in another"
                + " terminal, open the Flink web UI at " + stack.flinkUrl() + "; Ctrl-C stops");
        Matchstream.awaitCtrlC(stack, out);
        return 0;
    }

    static RawProfileUpload profile(String user, String gender, String seeking, int age, double lat, double lon,
            byte[] photo, Instant now) {
        return RawProfileUpload.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setUserId(user)
                .setPhoto(ByteBuffer.wrap(photo)).setGender(gender).setSeeking(List.of(seeking))
                .setAge(age).setLat(lat).setLon(lon).setMaxDistanceKm(25.0).setTimestamp(now)
                .build();
    }

    static RawSwipe swipe(String from, String to, String action, Instant now) {
        return RawSwipe.newBuilder().setEventId(UUID.randomUUID().toString())
                .setSwiperId(from).setTargetId(to).setAction(action).setTimestamp(now).build();
    }

    private static void publishGarbage(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.RAW_SWIPES.name(), "garbage".getBytes(StandardCharsets.UTF_8),
                    "this is not avro".getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    /** A small drawn portrait, so that the demo needs no file. */
    static byte[] samplePhoto() throws IOException {
        BufferedImage image = new BufferedImage(320, 400, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(90, 140, 200));
        g.fillRect(0, 0, 320, 400);
        g.setColor(new Color(230, 190, 160));
        g.fillOval(90, 90, 140, 180);
        g.setColor(Color.DARK_GRAY);
        g.fillOval(125, 150, 20, 12);
        g.fillOval(175, 150, 20, 12);
        g.setStroke(new BasicStroke(4));
        g.drawArc(130, 200, 60, 30, 200, 140);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}
