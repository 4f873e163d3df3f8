package io.matchstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls to a registry, for asserting status codes and JSON exactly as a client sees them. */
final class RestCalls {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer: the HTTP status, the content type and the body as JSON. */
    record Answer(int status, String contentType, JsonNode body) {
        int errorCode() {
            return body.path("error_code").asInt(-1);
        }
    }

    private final String baseUrl;

    RestCalls(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    Answer get(String path) {
        return call("GET", path, null);
    }

    Answer post(String path, String json) {
        return call("POST", path, json);
    }

    Answer put(String path, String json) {
        return call("PUT", path, json);
    }

    Answer delete(String path) {
        return call("DELETE", path, null);
    }

    /** The body of a register or lookup request for this schema text. */
    static String schemaBody(String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    Answer call(String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .header("Accept", SchemaRegistryServer.CONTENT_TYPE);
        if (json != null) {
            request.header("Content-Type", SchemaRegistryServer.CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
