import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import { unauthenticated } from '../common/errors.js';
import type { RevokedSessions } from './revoked-sessions.js';

const ALGORITHM = 'HS256';
const ISSUER = 'parley';
const AUDIENCE = 'parley';

export interface AccessClaims {
  userId: number;
  /** The session (`sid`) the token was issued for; revoking it ends the token at once. */
  sessionId: string;
  /** When the token stops being valid; sockets are closed at this moment. */
  expiresAt: Date;
}

/** Tokens remembered as well-signed; past this many, the memory starts afresh. */
const MAX_CHECKED = 10_000;

/**
 * Short-lived access JWTs: algorithm, issuer, audience and expiry are all pinned and checked,
 * and the session they belong to must not be revoked (an in-memory check, no query).
 */
export class AccessTokens {
  private readonly key: Uint8Array;
  /**
   * Payloads of tokens whose signature and claims were checked: a client sends the same token
   * with every request and socket until it refreshes. Expiry and revocation are checked on
   * every use; only what cannot change (the signature over these bytes) is not done again.
   */
  private readonly checked = new Map<string, JWTPayload & { exp: number }>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly revoked: RevokedSessions,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(userId: number, sessionId: string): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Checks a token on the calling thread. jose verifies through WebCrypto, whose HMAC runs on
   * libuv's thread pool, where it would wait behind password hashing; an HS256 signature is a
   * microsecond of node:crypto, so every request checks its token without waiting for anything.
   */
  async verify(token: string): Promise<AccessClaims> {
    let payload = this.checked.get(token);
    if (!payload) {
      const verified = this.verifiedPayload(token);
      if (!verified) throw unauthenticated('Invalid access token');
      if (this.checked.size >= MAX_CHECKED) this.checked.clear();
      this.checked.set(token, (payload = verified));
    }
    if (payload.exp <= Math.floor(Date.now() / 1000)) {
      this.checked.delete(token);
      throw unauthenticated('Access token expired');
    }
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof payload.sid !== 'string') throw unauthenticated('Invalid access token');
    const claims = { userId, sessionId: payload.sid, expiresAt: new Date(payload.exp! * 1000) };
    if (this.revoked.has(claims.sessionId)) throw unauthenticated('Session ended');
    return claims;
  }

  /** The payload of a well-signed token; what jwtVerify checks with these options, but expiry. */
  private verifiedPayload(token: string): (JWTPayload & { exp: number }) | null {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) return null;
    let header: ReturnType<typeof decodeProtectedHeader>;
    let payload: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch {
      return null;
    }
    // The algorithm is pinned, and no extension this code does not know may be required.
    if (header.alg !== ALGORITHM || header.crit !== undefined || header.b64 !== undefined) return null;
    const expected = createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const now = Math.floor(Date.now() / 1000);
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (payload.iss !== ISSUER || !audiences.includes(AUDIENCE)) return null;
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null;
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now)) return null;
    if (payload.iat !== undefined && typeof payload.iat !== 'number') return null;
    return payload as JWTPayload & { exp: number };
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Reads `Bearer <token>` (or a bare token); undefined when absent. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : header.trim() || undefined;
}
