package io.matchstream.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.matchstream.index.store.AttributeStore;
import io.matchstream.index.vector.VectorIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of a shard under {@code <data-dir>/snapshots/<sequence>/}: a RocksDB checkpoint, one file per
 * vector index and {@code manifest.json} with the Kafka offsets the state reflects. A snapshot is written
 * into a temporary directory, synced, and renamed into place, so a directory with a sequence number is
 * always complete. The live database ({@code <data-dir>/live}) is scratch: every start replaces it with the
 * newest snapshot's checkpoint and replays Kafka from the snapshot's offsets, which is why kill -9 at any
 * moment loses nothing.
 */
public final class Snapshots {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Path live;
    private final int kept;
    private long sequence;

    /** A shard as the newest snapshot left it, and the offsets to resume from. */
    public record Restored(Shard shard, Map<TopicPartition, Long> offsets, long takenAtMillis) {}

    public Snapshots(Path dataDir, int kept) {
        this.root = dataDir.resolve("snapshots");
        this.live = dataDir.resolve("live");
        this.kept = Math.max(1, kept);
    }

    /** Opens the shard from the newest complete snapshot, or an empty shard when there is none. */
    public Restored restore(IndexFactory factory, RerankWeights weights) {
        try {
            Files.createDirectories(root);
            try (Stream<Path> entries = Files.list(root)) {
                for (Path p : entries.filter(p -> p.getFileName().toString().startsWith("tmp-")).toList()) {
                    deleteTree(p); // a snapshot a crash interrupted
                }
            }
            deleteTree(live);
            List<Path> complete = complete();
            if (complete.isEmpty()) {
                return new Restored(new Shard(AttributeStore.open(live), Map.of(), factory, weights), Map.of(), 0);
            }
            Path newest = complete.get(complete.size() - 1);
            sequence = Long.parseLong(newest.getFileName().toString());
            JsonNode manifest = JSON.readTree(newest.resolve("manifest.json").toFile());
            copyCheckpoint(newest.resolve("rocksdb"), live);
            Map<String, VectorIndex> indexes = new HashMap<>();
            manifest.get("indexes").fields().forEachRemaining(e -> indexes.put(e.getKey(),
                    factory.load(newest.resolve(e.getValue().get("file").asText()), e.getValue().get("dimension").asInt())));
            Map<TopicPartition, Long> offsets = new HashMap<>();
            manifest.get("offsets").fields().forEachRemaining(e -> {
                int slash = e.getKey().lastIndexOf('/');
                offsets.put(new TopicPartition(e.getKey().substring(0, slash), Integer.parseInt(e.getKey().substring(slash + 1))), e.getValue().asLong());
            });
            LOG.info("restored snapshot {} ({} index(es), {} offsets)", newest, indexes.size(), offsets.size());
            return new Restored(new Shard(AttributeStore.open(live), indexes, factory, weights), offsets,
                    manifest.get("takenAt").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore a snapshot from " + root, e);
        }
    }

    /** Writes a snapshot of {@code shard} at {@code offsets} (the next offset to read of every partition). */
    public void write(Shard shard, Map<TopicPartition, Long> offsets, long nowMillis) {
        long next = sequence + 1;
        Path tmp = root.resolve("tmp-" + next);
        Path target = root.resolve(String.format("%012d", next));
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            Map<String, Shard.IndexFile> indexes = shard.writeTo(tmp);
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("sequence", next);
            manifest.put("takenAt", nowMillis);
            ObjectNode files = manifest.putObject("indexes");
            indexes.forEach((version, f) -> files.putObject(version).put("file", f.file()).put("dimension", f.dimension()));
            ObjectNode positions = manifest.putObject("offsets");
            offsets.forEach((tp, offset) -> positions.put(tp.topic() + "/" + tp.partition(), offset));
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("manifest.json").toFile(), manifest);
            syncTree(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(root);
            sequence = next;
            List<Path> complete = complete();
            for (int i = 0; i < complete.size() - kept; i++) {
                deleteTree(complete.get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write snapshot " + target, e);
        }
    }

    private List<Path> complete() throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            return new ArrayList<>(entries.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .sorted(Comparator.comparing(p -> Long.parseLong(p.getFileName().toString()))).toList());
        }
    }

    /** RocksDB never changes an .sst file once written: link them, copy the rest (MANIFEST, OPTIONS, CURRENT). */
    private static void copyCheckpoint(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Path dest = to.resolve(f.getFileName());
                if (f.getFileName().toString().endsWith(".sst")) {
                    try {
                        Files.createLink(dest, f);
                        continue;
                    } catch (IOException | UnsupportedOperationException e) {
                        // another file system: copy instead
                    }
                }
                Files.copy(f, dest);
            }
        }
    }

    private static void syncTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                } else {
                    syncDirectory(p);
                }
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
