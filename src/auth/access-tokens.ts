import { errors, jwtVerify, SignJWT } from 'jose';
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

/**
 * Short-lived access JWTs: algorithm, issuer, audience and expiry are all pinned and checked,
 * and the session they belong to must not be revoked (an in-memory check, no query).
 */
export class AccessTokens {
  private readonly key: Uint8Array;

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

  async verify(token: string): Promise<AccessClaims> {
    let claims: AccessClaims;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'sub', 'sid'],
      });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId <= 0 || typeof payload.sid !== 'string') throw new Error('bad claims');
      claims = { userId, sessionId: payload.sid, expiresAt: new Date(payload.exp! * 1000) };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw unauthenticated('Access token expired');
      throw unauthenticated('Invalid access token');
    }
    if (this.revoked.has(claims.sessionId)) throw unauthenticated('Session ended');
    return claims;
  }
}

/** Reads `Bearer <token>` (or a bare token); undefined when absent. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : header.trim() || undefined;
}
