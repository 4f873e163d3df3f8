package io.matchstream.schemas.wire;

import org.apache.avro.Schema;

/** What the serdes need of a schema registry: ids for schemas and schemas for ids, both immutable. */
public interface SchemaRegistry {

    /** Registers (idempotently) and returns the global id of the schema under the subject. */
    int register(String subject, Schema schema);

    /** Returns the id of a schema already registered under the subject, without registering it. */
    int lookup(String subject, Schema schema);

    /** The schema with this global id; a {@link RegistryException} with HTTP status 404 if there is none. */
    Schema schemaById(int id);
}
