package io.matchstream.ingest;

import io.matchstream.schemas.wire.SchemaRegistry;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.io.Serializable;

/** Makes the registry client inside a task (clients are not serializable; operators are). */
@FunctionalInterface
public interface RegistryFactory extends Serializable {
    SchemaRegistry create();

    static RegistryFactory http(String url) {
        return () -> SchemaRegistryClient.forUrl(url);
    }
}
