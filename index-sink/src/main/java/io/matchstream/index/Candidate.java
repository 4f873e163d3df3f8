package io.matchstream.index;

/**
 * One shard's answer for one candidate, before the merge and MMR. The embedding travels only between
 * shards (MMR needs candidate-to-candidate similarity); the public API never shows it.
 */
public record Candidate(String userId, float similarity, float reciprocal, double recency, float[] embedding) {}
