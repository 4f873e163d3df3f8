package io.matchstream.index;

import java.util.List;

/**
 * What a shard needs to search for one user: the user's side of every filter, the query and reciprocal
 * vectors, and the exclusions known on the user's own shard (self, swiped, matched). Built on the shard
 * that owns the user and sent as is to every other shard; each shard adds the exclusions only it knows
 * (candidates of its own who blocked the user).
 */
public record RecommendationQuery(
        String userId,
        String modelVersion,
        float[] queryVector,
        float[] embedding,
        int gender,
        int seekingMask,
        int age,
        int minAge,
        int maxAge,
        double lat,
        double lon,
        double maxDistanceKm,
        List<String> excluded,
        int k,
        long asOfMillis) {

    public RecommendationQuery withK(int newK, long asOf) {
        return new RecommendationQuery(userId, modelVersion, queryVector, embedding, gender, seekingMask, age, minAge,
                maxAge, lat, lon, maxDistanceKm, excluded, newK, asOf);
    }
}
