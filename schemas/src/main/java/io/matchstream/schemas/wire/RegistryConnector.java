package io.matchstream.schemas.wire;

import java.io.Serializable;

/**
 * Connects to a schema registry from inside a task: registry clients are not serializable, Flink operators
 * and schemas are, so they carry one of these and connect when opened.
 */
@FunctionalInterface
public interface RegistryConnector extends Serializable {
    SchemaRegistry connect();

    /** Any Confluent-compatible registry over HTTP; clients are shared per URL within a JVM. */
    static RegistryConnector http(String url) {
        return () -> SchemaRegistryClient.forUrl(url);
    }
}
