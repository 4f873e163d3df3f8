package io.matchstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reads completed checkpoints' end-to-end durations from Flink's REST API. */
final class CheckpointStats {
    private CheckpointStats() {}

    static double p99Millis(URI rest, String jobId) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(rest.resolve("/jobs/" + jobId + "/checkpoints")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode history = new ObjectMapper().readTree(response.body()).path("history");
        List<Long> durations = new ArrayList<>();
        for (JsonNode checkpoint : history) {
            if ("COMPLETED".equals(checkpoint.path("status").asText())) {
                durations.add(checkpoint.path("end_to_end_duration").asLong());
            }
        }
        if (durations.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(durations);
        return durations.get((int) Math.min(durations.size() - 1, Math.ceil(0.99 * durations.size()) - 1));
    }
}
