package io.matchstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Wrong command lines get one line of error and the usage, exit 2, never a stack trace. */
class MatchstreamCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Matchstream.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownCommand() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).startsWith("error: unknown command 'frobnicate'").contains("usage: ./matchstream").doesNotContain("Exception");
    }

    @Test
    void unknownFlag() {
        assertThat(run("publish", "swipe", "--from", "a", "--to", "b", "--action", "like", "--colour", "red")).isEqualTo(2);
        assertThat(err()).startsWith("error: unknown flag --colour").contains("publish swipe --from U");
    }

    @Test
    void missingFlag() {
        assertThat(run("publish", "swipe", "--from", "a", "--action", "like")).isEqualTo(2);
        assertThat(err()).startsWith("error: missing --to");
    }

    @Test
    void flagWithoutValue() {
        assertThat(run("tail", "swipes", "--max")).isEqualTo(2);
        assertThat(err()).startsWith("error: flag --max needs a value");
    }

    @Test
    void tailOfAnUnknownTopicNamesTheKnownOnes() {
        assertThat(run("tail", "swipez")).isEqualTo(2);
        assertThat(err()).contains("unknown topic 'swipez'").contains("raw.swipes");
    }

    @Test
    void missingPhotoFile() {
        assertThat(run("publish", "profile", "--user", "u", "--photo", "/no/such.jpg", "--gender", "F", "--seeking", "M",
                "--age", "30", "--lat", "1", "--lon", "2")).isEqualTo(2);
        assertThat(err()).startsWith("error: --photo /no/such.jpg: no such file");
    }

    @Test
    void unreachableBrokerIsOneLine() {
        assertThat(run("publish", "delete", "--user", "u", "--registry-url", "http://localhost:1")).isEqualTo(1);
        assertThat(err()).startsWith("error: ").contains("unreachable").hasLineCount(1);
    }

    @Test
    void helpAndTopics() {
        assertThat(run("help")).isEqualTo(0);
        assertThat(run("topics")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("dead-letters").contains("compact");
    }
}
