package io.matchstream.index.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query service's HTTP/1.1 server: each open connection has its own thread, which reads a request, runs
 * the handler and writes the answer on that same thread, then waits for the connection's next request. The
 * JDK's server ({@code com.sun.net.httpserver}) passes every request from its selector thread to a worker and
 * the finished connection back to the selector (two hand-offs and a selector re-registration per request);
 * on two cores shared with the client, JIT and GC threads, what HTTP added to p99 at 1M profiles halved with
 * this server (2.8 to 1.4 ms, README "Benchmark").
 *
 * <p>Speaks what the service's clients send: keep-alive (HTTP/1.1's default, HTTP/1.0 on request), pipelined
 * requests, bodies with Content-Length or chunked, {@code Expect: 100-continue}; an {@code Upgrade} offer
 * (the JDK client's h2c) is ignored. A connection idle for {@link #IDLE_MILLIS} is closed; beyond
 * {@link #MAX_CONNECTIONS} open connections a new one is answered 503 and closed.
 */
final class ConnectionServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionServer.class);
    static final int IDLE_MILLIS = 30_000;
    static final int MAX_CONNECTIONS = 1_024;
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    /** Answers one request: reads it from the exchange and calls {@link Exchange#respond} once. */
    interface Handler {
        void handle(Exchange exchange);
    }

    private final Handler handler;
    private final ServerSocket listener;
    private final ThreadPoolExecutor connections;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile String date = "";
    private volatile long dateSecond = -1;

    ConnectionServer(InetSocketAddress address, int backlog, String threadName, Handler handler) throws IOException {
        this.handler = handler;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(address, backlog);
        AtomicInteger n = new AtomicInteger();
        // Threads are reused across connections and end after a minute without one.
        this.connections = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::accept, threadName + "-accept");
        acceptor.setDaemon(true);
    }

    ConnectionServer start() {
        acceptor.start();
        return this;
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accepting a connection failed: {}", e.toString());
                }
                continue;
            }
            open.add(socket);
            try {
                connections.execute(() -> serve(socket));
            } catch (RejectedExecutionException full) {
                refuse(socket);
            }
        }
    }

    private void refuse(Socket socket) {
        try (socket) {
            Exchange busy = new Exchange();
            busy.respond(503, "application/json", "{\"error\":\"busy\",\"message\":\"too many open connections\"}".getBytes(StandardCharsets.UTF_8));
            busy.keepAlive = false;
            socket.getOutputStream().write(busy.encode(date(), new byte[0]), 0, busy.encodedLength);
        } catch (IOException e) {
            LOG.debug("refusing a connection: {}", e.toString());
        } finally {
            open.remove(socket);
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true); // an answer's head and body leave at once, not after the client's delayed ACK
            socket.setSoTimeout(IDLE_MILLIS);
            RequestReader in = new RequestReader(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[8 * 1024];
            while (!closed) {
                Exchange exchange;
                try {
                    exchange = in.next(out);
                } catch (BadRequest e) {
                    Exchange bad = new Exchange();
                    bad.respondError(e.status, e.code, e.getMessage());
                    bad.keepAlive = false;
                    out.write(bad.encode(date(), buffer), 0, bad.encodedLength);
                    lingeringClose(socket);
                    return;
                }
                if (exchange == null) {
                    return; // the client closed the connection between requests
                }
                try {
                    handler.handle(exchange);
                } catch (RuntimeException e) {
                    LOG.error("request {} failed", exchange.rawPath(), e);
                    exchange.respondError(500, "internal_error", "the request failed inside the service");
                }
                if (exchange.status == 0) {
                    exchange.respondError(500, "internal_error", "the request got no answer");
                }
                buffer = exchange.encode(date(), buffer); // grown for a large answer, kept for the connection's next ones
                out.write(buffer, 0, exchange.encodedLength);
                if (!exchange.keepAlive) {
                    return;
                }
            }
        } catch (SocketTimeoutException | EOFException idleOrGone) {
            // idle past the keep-alive limit, or closed mid-request
        } catch (SocketException gone) {
            if (!closed) {
                LOG.debug("connection closed: {}", gone.toString());
            }
        } catch (IOException e) {
            LOG.debug("connection failed: {}", e.toString());
        } finally {
            open.remove(socket);
        }
    }

    /**
     * Closes after an error answer while the client may still be sending (a head too large, an unread body):
     * closing with unread bytes would reset the connection and could discard the answer before the client
     * reads it, so the rest is read and dropped first (a second at most).
     */
    private static void lingeringClose(Socket socket) throws IOException {
        socket.shutdownOutput();
        socket.setSoTimeout(1_000);
        byte[] sink = new byte[8 * 1024];
        long deadline = System.nanoTime() + 1_000_000_000L;
        InputStream in = socket.getInputStream();
        while (System.nanoTime() < deadline && in.read(sink) >= 0) {
            // dropped
        }
    }

    /** The Date header's value, formatted once a second. */
    private String date() {
        long second = System.currentTimeMillis() / 1000;
        if (second != dateSecond) {
            date = HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
            dateSecond = second;
        }
        return date;
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.debug("closing the listener: {}", e.toString());
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("closing a connection: {}", e.toString());
            }
        }
        connections.shutdownNow();
    }

    /** One request and, once the handler has answered, its response. */
    static final class Exchange {
        private String method;
        private String rawPath;
        private String rawQuery;
        private final Map<String, String> requestHeaders = new HashMap<>();
        private byte[] body = new byte[0];
        private boolean keepAlive;
        private boolean head;

        private int status;
        private String contentType;
        private byte[] responseBody;
        private final List<String> responseHeaders = new ArrayList<>(); // name, value, name, value, ...
        private int encodedLength;

        String method() {
            return method;
        }

        /** The request target's path, still percent-encoded. */
        String rawPath() {
            return rawPath;
        }

        /** The request target's query, still percent-encoded; null without one. */
        String rawQuery() {
            return rawQuery;
        }

        /** The first value of a request header (any case), or null. */
        String header(String name) {
            return requestHeaders.get(name.toLowerCase(Locale.ROOT));
        }

        byte[] body() {
            return body;
        }

        /** Adds a response header (set before {@link #respond}, or after it: both are sent). */
        void responseHeader(String name, String value) {
            responseHeaders.add(name);
            responseHeaders.add(value);
        }

        void respond(int status, String contentType, byte[] body) {
            this.status = status;
            this.contentType = contentType;
            this.responseBody = body;
        }

        int status() {
            return status;
        }

        private void respondError(int status, String code, String message) {
            respond(status, "application/json", ("{\"error\":\"" + code + "\",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"}").getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Status line, headers and body in one array (one write, one packet for a small answer): {@code buffer}
         * when it is large enough, a larger one otherwise; the first {@link #encodedLength} bytes.
         */
        private byte[] encode(String date, byte[] buffer) {
            StringBuilder h = new StringBuilder(160);
            h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\nDate: ").append(date);
            if (contentType != null) {
                h.append("\r\nContent-Type: ").append(contentType);
            }
            h.append("\r\nContent-Length: ").append(responseBody == null ? 0 : responseBody.length);
            for (int i = 0; i < responseHeaders.size(); i += 2) {
                h.append("\r\n").append(responseHeaders.get(i)).append(": ").append(responseHeaders.get(i + 1));
            }
            h.append(keepAlive ? "" : "\r\nConnection: close").append("\r\n\r\n");
            int bodyLength = head || responseBody == null ? 0 : responseBody.length;
            int length = h.length() + bodyLength;
            byte[] out = buffer.length >= length ? buffer : new byte[Math.max(length, buffer.length * 2)];
            for (int i = 0; i < h.length(); i++) {
                out[i] = (byte) h.charAt(i); // the head is ASCII (header values are the service's own)
            }
            if (bodyLength > 0) {
                System.arraycopy(responseBody, 0, out, h.length(), bodyLength);
            }
            encodedLength = length;
            return out;
        }

        private static String reason(int status) {
            return switch (status) {
                case 200 -> "OK";
                case 400 -> "Bad Request";
                case 401 -> "Unauthorized";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 405 -> "Method Not Allowed";
                case 413 -> "Payload Too Large";
                case 429 -> "Too Many Requests";
                case 431 -> "Request Header Fields Too Large";
                case 500 -> "Internal Server Error";
                case 501 -> "Not Implemented";
                case 503 -> "Service Unavailable";
                case 505 -> "HTTP Version Not Supported";
                default -> "Status";
            };
        }
    }

    /** A request the server answers itself, closing the connection after. */
    private static final class BadRequest extends IOException {
        final int status;
        final String code;

        BadRequest(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    /** Parses requests from a connection's bytes through one buffer, which stays with the connection. */
    private static final class RequestReader {
        private final InputStream in;
        private final byte[] buffer = new byte[16 * 1024];
        private int pos;
        private int limit;

        RequestReader(InputStream in) {
            this.in = in;
        }

        /** The next request, or null when the connection ends before one starts. */
        Exchange next(OutputStream out) throws IOException {
            String requestLine;
            int[] headBudget = {MAX_HEAD_BYTES};
            do {
                if (pos == limit && !fill(true)) {
                    return null;
                }
                requestLine = line(headBudget);
            } while (requestLine.isEmpty()); // tolerated before a request line (RFC 9112, 2.2)
            Exchange exchange = new Exchange();
            int sp1 = requestLine.indexOf(' ');
            int sp2 = requestLine.lastIndexOf(' ');
            if (sp1 <= 0 || sp2 <= sp1) {
                throw new BadRequest(400, "bad_request", "malformed request line");
            }
            exchange.method = requestLine.substring(0, sp1);
            String target = requestLine.substring(sp1 + 1, sp2);
            String version = requestLine.substring(sp2 + 1);
            if (!version.startsWith("HTTP/1.")) {
                throw new BadRequest(505, "http_version_not_supported", "HTTP/1.0 and HTTP/1.1 only");
            }
            if (target.startsWith("http://") || target.startsWith("https://")) { // absolute form
                int slash = target.indexOf('/', target.indexOf("//") + 2);
                target = slash < 0 ? "/" : target.substring(slash);
            }
            int question = target.indexOf('?');
            exchange.rawPath = question < 0 ? target : target.substring(0, question);
            exchange.rawQuery = question < 0 ? null : target.substring(question + 1);
            for (String header = line(headBudget); !header.isEmpty(); header = line(headBudget)) {
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    throw new BadRequest(400, "bad_request", "malformed header line");
                }
                exchange.requestHeaders.putIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            String connection = exchange.header("Connection");
            boolean http11 = version.equals("HTTP/1.1");
            exchange.keepAlive = connection == null ? http11
                    : http11 ? !containsToken(connection, "close") : containsToken(connection, "keep-alive");
            exchange.head = exchange.method.equals("HEAD");
            String transferEncoding = exchange.header("Transfer-Encoding");
            String contentLength = exchange.header("Content-Length");
            boolean chunked = transferEncoding != null && containsToken(transferEncoding, "chunked");
            if (transferEncoding != null && !chunked) {
                throw new BadRequest(501, "not_implemented", "transfer coding " + transferEncoding + " is not supported");
            }
            long length = 0;
            if (!chunked && contentLength != null) {
                try {
                    length = Long.parseLong(contentLength);
                } catch (NumberFormatException e) {
                    throw new BadRequest(400, "bad_request", "Content-Length is not a number");
                }
                if (length < 0) {
                    throw new BadRequest(400, "bad_request", "Content-Length is negative");
                }
                if (length > MAX_BODY_BYTES) {
                    throw new BadRequest(413, "payload_too_large", "bodies up to " + MAX_BODY_BYTES + " bytes");
                }
            }
            if ((chunked || length > 0) && "100-continue".equalsIgnoreCase(exchange.header("Expect"))) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            if (chunked) {
                exchange.body = chunkedBody(headBudget);
            } else if (length > 0) {
                exchange.body = bytes((int) length);
            }
            return exchange;
        }

        private byte[] chunkedBody(int[] headBudget) throws IOException {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            while (true) {
                String sizeLine = line(headBudget);
                int semicolon = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new BadRequest(400, "bad_request", "malformed chunk size");
                }
                if (size < 0 || body.size() + (long) size > MAX_BODY_BYTES) {
                    throw new BadRequest(413, "payload_too_large", "bodies up to " + MAX_BODY_BYTES + " bytes");
                }
                if (size == 0) {
                    while (!line(headBudget).isEmpty()) {
                        // trailer fields: ignored
                    }
                    return body.toByteArray();
                }
                body.write(bytes(size));
                if (!line(headBudget).isEmpty()) {
                    throw new BadRequest(400, "bad_request", "a chunk is longer than its size");
                }
            }
        }

        /** One line without its CRLF (or bare LF), as ISO-8859-1; counts against the request's head budget. */
        private String line(int[] budget) throws IOException {
            StringBuilder sb = null;
            while (true) {
                for (int i = pos; i < limit; i++) {
                    if (buffer[i] == '\n') {
                        int end = i > pos && buffer[i - 1] == '\r' ? i - 1 : i;
                        String part = new String(buffer, pos, end - pos, StandardCharsets.ISO_8859_1);
                        budget[0] -= i + 1 - pos;
                        pos = i + 1;
                        if (budget[0] < 0) {
                            throw new BadRequest(431, "request_header_fields_too_large", "request head over " + MAX_HEAD_BYTES + " bytes");
                        }
                        if (sb == null) {
                            return part;
                        }
                        sb.append(part);
                        int n = sb.length();
                        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                    }
                }
                // No line end in what is buffered: keep it and read more.
                budget[0] -= limit - pos;
                if (budget[0] < 0) {
                    throw new BadRequest(431, "request_header_fields_too_large", "request head over " + MAX_HEAD_BYTES + " bytes");
                }
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(new String(buffer, pos, limit - pos, StandardCharsets.ISO_8859_1));
                pos = limit;
                if (!fill(false)) {
                    throw new EOFException("connection closed mid-request");
                }
            }
        }

        private byte[] bytes(int n) throws IOException {
            byte[] out = new byte[n];
            int done = Math.min(n, limit - pos);
            System.arraycopy(buffer, pos, out, 0, done);
            pos += done;
            while (done < n) {
                int r = in.read(out, done, n - done);
                if (r < 0) {
                    throw new EOFException("connection closed mid-body");
                }
                done += r;
            }
            return out;
        }

        /** Reads more into the (drained) buffer; false at the end of the stream. */
        private boolean fill(boolean betweenRequests) throws IOException {
            pos = 0;
            limit = 0;
            int r;
            try {
                r = in.read(buffer, 0, buffer.length);
            } catch (SocketException e) {
                if (betweenRequests) {
                    return false; // reset by a client that was done
                }
                throw e;
            }
            if (r < 0) {
                return false;
            }
            limit = r;
            return true;
        }

        private static boolean containsToken(String value, String token) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
            return false;
        }
    }
}
