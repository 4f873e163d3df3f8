package io.matchstream.embedding;

import java.nio.file.Path;

/**
 * Points DJL at a cache folder outside the source tree before its engine loads. libtorch and the JNI
 * glue come from Maven artifacts on the classpath; DJL only unpacks them there and never downloads.
 */
final class DjlCache {

    static final Path DEFAULT = Path.of(System.getProperty("user.home"), ".cache", "matchstream", "djl");

    private DjlCache() {
    }

    static void configure() {
        for (String key : new String[] {"DJL_CACHE_DIR", "ENGINE_CACHE_DIR"}) {
            if (System.getProperty(key) == null && System.getenv(key) == null) {
                System.setProperty(key, DEFAULT.toString());
            }
        }
        // Offline means offline: never reach for a model zoo or a native download.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
