package io.matchstream.index.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 server on raw sockets: what clients other than the JDK's send (pipelining, chunked bodies, 100-continue, HTTP/1.0). */
class ConnectionServerTest {
    static ConnectionServer server;

    @BeforeAll
    static void start() throws IOException {
        // Echoes method, path, query and body, so a test sees exactly what the handler was given.
        server = new ConnectionServer(new InetSocketAddress("localhost", 0), 16, "test-http", exchange -> {
            String echo = exchange.method() + " " + exchange.rawPath() + " " + exchange.rawQuery() + " "
                    + new String(exchange.body(), StandardCharsets.UTF_8);
            exchange.responseHeader("X-Echo", "yes");
            exchange.respond(200, "text/plain", echo.getBytes(StandardCharsets.UTF_8));
        }).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Writes {@code request} raw and reads until the server closes the connection. */
    static String exchange(String request) throws IOException {
        try (Socket socket = new Socket("localhost", server.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws IOException {
        String out = exchange("GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertThat(out).containsSubsequence("HTTP/1.1 200 OK", "GET /a x=1 ", "HTTP/1.1 200 OK", "POST /b null hello",
                "HTTP/1.1 200 OK", "Connection: close", "GET /c null ");
        assertThat(out).contains("X-Echo: yes").contains("Content-Type: text/plain").contains("Date: ");
    }

    @Test
    void chunkedBodiesAndExpectContinueReachTheHandler() throws IOException {
        String out = exchange("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
                + "4\r\nwiki\r\n6;ext=1\r\npedia \r\n0\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK").endsWith("POST /p null wikipedia ");
    }

    @Test
    void http10ClosesUnlessAskedToKeepAliveAndHeadSendsNoBody() throws IOException {
        String out = exchange("HEAD /h HTTP/1.0\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 200 OK").contains("Content-Length: 13").contains("Connection: close").endsWith("\r\n\r\n");
    }

    @Test
    void malformedRequestsGetAnErrorAndTheConnectionCloses() throws IOException {
        assertThat(exchange("NONSENSE\r\n\r\n")).startsWith("HTTP/1.1 400 Bad Request").contains("\"error\":\"bad_request\"");
        assertThat(exchange("GET / HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 505");
        assertThat(exchange("POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n")).startsWith("HTTP/1.1 413");
        assertThat(exchange("GET / HTTP/1.1\r\nX: " + "y".repeat(70_000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
    }

    @Test
    void theJdkClientKeepsItsConnectionAcrossRequests() throws Exception {
        HttpClient client = HttpClient.newHttpClient(); // offers an h2c upgrade, which the server ignores
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/k?i=" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("b" + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).isEqualTo("POST /k i=" + i + " b" + i);
        }
    }

    @Test
    void aRequestSplitAcrossWritesIsReassembled() throws Exception {
        try (Socket socket = new Socket("localhost", server.port())) {
            socket.setSoTimeout(5_000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            for (String part : new String[] {"GE", "T /s", "plit HTTP/1.1\r", "\nHost: h\r\nConnection: cl", "ose\r\n\r", "\n"}) {
                out.write(part.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(20);
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            assertThat(all.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK").endsWith("GET /split null ");
        }
    }
}
