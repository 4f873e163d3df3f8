package io.matchstream.registry;

import io.matchstream.embedded.EmbeddedKafkaBroker;
import java.nio.file.Path;

/** A real KRaft broker and one registry on it, for a test class: start in @BeforeAll, close in @AfterAll. */
final class RunningRegistry implements AutoCloseable {
    final EmbeddedKafkaBroker broker;
    final SchemaRegistryServer server;

    private RunningRegistry(EmbeddedKafkaBroker broker, SchemaRegistryServer server) {
        this.broker = broker;
        this.server = server;
    }

    static RunningRegistry start(Path dataDir) {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, 0).start();
        try {
            return new RunningRegistry(broker,
                    new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0)).start());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    @Override
    public void close() {
        server.close();
        broker.close();
    }
}
