package io.matchstream.index.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks bearer tokens: a JWS signed with HS256 (shared secret) or RS256 (the configured public key), issued
 * by the configured issuer, not expired, with a subject. Unsigned tokens ({@code alg: none}) and any other
 * algorithm are refused. {@code scope} (space-separated string or list) may grant {@value #ADMIN}.
 *
 * <p>A client sends the same token until it expires, so a token whose signature and issuer verified is kept
 * (the exact string, signature included) with its claims, and a later request with it skips the parsing and
 * the signature check (about 60 us of each request); its expiry and not-before are checked on every request.
 */
public final class Authenticator {
    public static final String ADMIN = "admin";
    /** Tolerated clock difference between the token issuer and this service. */
    private static final long LEEWAY_MILLIS = 5_000;
    /** Verified tokens kept; past this many the cache starts afresh (expired ones must not pile up). */
    private static final int VERIFIED_KEPT = 10_000;

    private final String issuer;
    private final MACVerifier hs256;
    private final RSASSAVerifier rs256;
    private final Clock clock;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /** A token that verified: what every later use still checks (the times) and what it grants. */
    private record Verified(Date expiry, Date notBefore, Caller caller) {}

    /** Who called: the token's subject (a user id) and whether it may read anyone's recommendations. */
    public record Caller(String subject, Set<String> scopes) {
        public boolean admin() {
            return scopes.contains(ADMIN);
        }

        public boolean has(String scope) {
            return scopes.contains(scope);
        }
    }

    public Authenticator(String issuer, String hs256Secret, RSAPublicKey rs256Key, Clock clock) {
        this.issuer = issuer;
        this.clock = clock;
        try {
            this.hs256 = hs256Secret == null || hs256Secret.isEmpty() ? null : new MACVerifier(hs256Secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the HS256 secret must be at least 32 bytes: " + e.getMessage(), e);
        }
        this.rs256 = rs256Key == null ? null : new RSASSAVerifier(rs256Key);
        if (hs256 == null && rs256 == null) {
            throw new IllegalArgumentException("configure an HS256 secret or an RS256 public key");
        }
    }

    /** Reads an RSA public key from a PEM file ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
    public static RSAPublicKey readPublicKey(Path pem) {
        try {
            String body = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the RS256 public key " + pem, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an RSA public key in PEM form: " + pem, e);
        }
    }

    /** The caller of a request with this {@code Authorization} header; {@link ApiError} 401 otherwise. */
    public Caller authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("missing_token", "an Authorization: Bearer <JWT> header is required");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("invalid_token", "the Authorization header must be 'Bearer <JWT>'");
        }
        String token = authorization.substring(7).trim();
        Verified known = verified.get(token);
        if (known == null) {
            known = verify(token);
            if (verified.size() >= VERIFIED_KEPT) {
                verified.clear();
            }
            verified.put(token, known);
        }
        return check(known);
    }

    /** The token's signature, issuer, expiry presence and subject; {@link ApiError} 401 otherwise. */
    private Verified verify(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw unauthorized("invalid_token", "the bearer token is not a JWT");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw unauthorized("invalid_token", "unsigned tokens (alg none) are refused");
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        JWSVerifier verifier = JWSAlgorithm.HS256.equals(alg) ? hs256 : JWSAlgorithm.RS256.equals(alg) ? rs256 : null;
        if (verifier == null) {
            throw unauthorized("invalid_token", "algorithm " + alg + " is not accepted here");
        }
        JWTClaimsSet claims;
        try {
            if (!signed.verify(verifier)) {
                throw unauthorized("invalid_token", "the token's signature does not verify");
            }
            claims = signed.getJWTClaimsSet();
        } catch (JOSEException | ParseException e) {
            throw unauthorized("invalid_token", "the token's signature does not verify");
        }
        if (!issuer.equals(claims.getIssuer())) {
            throw unauthorized("invalid_token", "the token was not issued by " + issuer);
        }
        Date expiry = claims.getExpirationTime();
        if (expiry == null) {
            throw unauthorized("invalid_token", "the token has no expiry (exp)");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw unauthorized("invalid_token", "the token has no subject (sub)");
        }
        return new Verified(expiry, claims.getNotBeforeTime(), new Caller(subject, scopes(claims.getClaim("scope"))));
    }

    /** The caller of a verified token, now: {@link ApiError} 401 once it has expired or before it is valid. */
    private Caller check(Verified token) {
        long now = clock.millis();
        if (token.expiry().getTime() + LEEWAY_MILLIS < now) {
            throw unauthorized("token_expired", "the token expired at " + token.expiry().toInstant());
        }
        if (token.notBefore() != null && token.notBefore().getTime() - LEEWAY_MILLIS > now) {
            throw unauthorized("invalid_token", "the token is not valid before " + token.notBefore().toInstant());
        }
        return token.caller();
    }

    private static Set<String> scopes(Object claim) {
        if (claim instanceof String s) {
            return Set.of(s.trim().split("\\s+"));
        }
        if (claim instanceof List<?> list) {
            return Set.copyOf(list.stream().map(String::valueOf).toList());
        }
        return Set.of();
    }

    private static ApiError unauthorized(String code, String message) {
        return new ApiError(401, code, message);
    }
}
