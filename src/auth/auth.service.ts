import { randomUUID } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import { badInput, conflict, isUniqueViolation, unauthenticated } from '../common/errors.js';
import { validate } from '../common/validation.js';
import type { Db, DbOrTx } from '../db/client.js';
import { sessions, userFields, users, type UserRow } from '../db/schema.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { privacyColumns, type PrivacyData } from '../users/privacy.js';
import { password as passwordRule, registerRules } from '../users/user.rules.js';
import type { AccessTokens } from './access-tokens.js';
import type { LoginLimiter } from './login-limiter.js';
import type { Passwords } from './passwords.js';
import { consumeRefreshToken, issueRefreshToken, sessionOfToken } from './refresh-tokens.js';
import { openSession, renewSession, revokeSessions, type ClientInfo } from './sessions.js';
import type { SessionsService } from './sessions.service.js';
import { commitBehind, transaction } from '../db/transaction.js';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: UserRow;
  sessionId: string;
}

type SignedIn = Omit<AuthResult, 'accessToken' | 'expiresAt'>;

export interface RegisterData {
  firstname: string;
  lastname: string;
  email: string;
  password: string;
  phone?: string | null;
  country?: string | null;
  profilePicture?: string | null;
  privacy?: PrivacyData | null;
}

/**
 * Whether the account (the row of `users` in the query) was ever signed into from this address
 * (see LoginLimiter). Written out: drizzle names a column of the only table without its table.
 */
const signedInFrom = (ip: string) => sql<boolean>`exists (select 1 from sessions s where s.user_id = users.id and s.ip = ${ip.slice(0, 100)})`;

/** Accounts and sign-in: registration, login, token rotation, logout, password change. */
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly tokens: AccessTokens,
    private readonly limiter: LoginLimiter,
    private readonly limits: RateLimits,
    private readonly sessions: SessionsService,
    private readonly passwords: Passwords,
    private readonly refreshTtl: number,
  ) {}

  async register(input: RegisterData, client: ClientInfo): Promise<AuthResult> {
    const data = validate(registerRules, input);
    const hash = await this.passwords.admit(async (work) => {
      // Before the costly hash: registrations per address are limited.
      await this.limits.consume('register', client.ip);
      return work.hash(data.password);
    });
    try {
      return await transaction(this.db, async (tx) => {
        const [user] = await tx
          .insert(users)
          .values({
            firstname: data.firstname,
            lastname: data.lastname,
            email: data.email,
            password: hash,
            phone: data.phone ?? null,
            country: data.country ?? null,
            profilePicture: data.profilePicture ?? null,
            ...privacyColumns(data.privacy ?? {}),
          })
          .returning(userFields);
        return this.signIn(tx, user!, client);
      }).then((signedIn) => this.withAccessToken(signedIn));
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_lower_key')) {
        throw conflict('An account with this email already exists', 'email');
      }
      throw err;
    }
  }

  async login(email: string, password: string, client: ClientInfo): Promise<AuthResult> {
    const { user, rehash } = await this.passwords.admit(async (work) => {
      const attempt = await this.limiter.begin(email, client.ip);
      const [found] = await this.db
        .select({
          user: userFields,
          // The hash apart from the user: it is checked here and goes no further.
          hash: users.password,
          knownAddress: signedInFrom(client.ip),
        })
        .from(users)
        .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()));
      if (!found?.knownAddress) await attempt.fromNewAddress();
      const check = await work.verify(found?.hash, password);
      // A failure keeps the points it took: that is what the limits count.
      if (!found || !check.ok) throw unauthenticated('Invalid email or password');
      await attempt.succeeded();
      // A hash made with older parameters is replaced by one made with today's.
      return { user: found.user, rehash: check.stale ? { from: found.hash, to: await work.hash(password) } : null };
    });
    // The session's writes go out with their COMMIT, and the access token is signed meanwhile:
    // a transaction open across round trips would hold back every instance's deliveries
    // (src/chatlog/position.ts), and logins come in bursts.
    const sessionId = randomUUID();
    const [{ token, expiresAt }, signedIn] = await Promise.all([
      this.tokens.sign(user.id, sessionId),
      commitBehind(this.db, (tx) =>
        Promise.all([
          // Only if unchanged since it was read: a password changed meanwhile wins.
          rehash && this.replaceHash(tx, user.id, rehash),
          this.signIn(tx, user, client, { id: sessionId, isNew: true }),
        ]).then(([, s]) => s),
      ),
    ]);
    return { ...signedIn, accessToken: token, expiresAt };
  }

  private async replaceHash(tx: DbOrTx, userId: number, hash: { from: string; to: string }): Promise<void> {
    await tx.update(users).set({ password: hash.to }).where(and(eq(users.id, userId), eq(users.password, hash.from)));
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<AuthResult> {
    // A reuse revokes the session; that revocation must commit even though the call fails.
    const outcome = await transaction(this.db, async (tx) => {
      const rotation = await consumeRefreshToken(tx, refreshToken);
      if (!rotation.ok) return rotation;
      const [user] = await tx.select(userFields).from(users).where(eq(users.id, rotation.userId));
      if (!user) return { ok: false as const, reason: 'unknown' as const };
      await renewSession(tx, rotation.sessionId, this.refreshTtl, client);
      return { ok: true as const, result: await this.signIn(tx, user, client, { id: rotation.sessionId, isNew: false }) };
    });
    if (!outcome.ok) {
      if (outcome.reason === 'reused') {
        await this.sessions.enforce(outcome.revoked);
        throw unauthenticated('Refresh token was already used; the session is revoked');
      }
      throw unauthenticated('Invalid refresh token');
    }
    return this.withAccessToken(outcome.result);
  }

  /** Ends one session (the refresh token's) or, without a token, every session of the viewer. */
  async logout(viewerId: number | null, refreshToken: string | null | undefined): Promise<boolean> {
    if (refreshToken) {
      const owner = await sessionOfToken(this.db, refreshToken);
      if (!owner || (viewerId !== null && owner.userId !== viewerId)) return false;
      await this.endSessions(eq(sessions.id, owner.sessionId));
      return true;
    }
    if (viewerId === null) throw unauthenticated();
    await this.endSessions(eq(sessions.userId, viewerId));
    return true;
  }

  /**
   * Changes the password; every other session of the account ends, the current one stays. The
   * current-password check is a guess like a login's (a stolen token must not make an oracle of
   * it): it draws on the same budgets.
   */
  async changePassword(viewerId: number, currentSessionId: string, currentPassword: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    const next = validate(passwordRule('newPassword'), newPassword, 'newPassword');
    const [found] = await this.db.select({ email: users.email, hash: users.password, knownAddress: signedInFrom(client.ip) }).from(users).where(eq(users.id, viewerId));
    if (!found) throw unauthenticated();
    const hash = await this.passwords.admit(async (work) => {
      const attempt = await this.limiter.begin(found.email, client.ip);
      if (!found.knownAddress) await attempt.fromNewAddress();
      if (!(await work.verify(found.hash, currentPassword)).ok) {
        throw badInput('currentPassword', 'Current password is wrong');
      }
      await attempt.succeeded();
      return work.hash(next);
    });
    const revoked = await transaction(this.db, async (tx) => {
      await tx.update(users).set({ password: hash, updatedAt: new Date() }).where(eq(users.id, viewerId));
      return revokeSessions(tx, and(eq(sessions.userId, viewerId), ne(sessions.id, currentSessionId)));
    });
    await this.sessions.enforce(revoked);
    return true;
  }

  private async endSessions(where: Parameters<typeof revokeSessions>[1]): Promise<void> {
    await this.sessions.enforce(await transaction(this.db, (tx) => revokeSessions(tx, where)));
  }

  /**
   * A new session (register, login) or the next refresh token of an existing one (refresh): the
   * writes, sent one behind the other without waiting. The access token is signed outside the
   * transaction (withAccessToken).
   */
  private async signIn(tx: DbOrTx, user: UserRow, client: ClientInfo, session: { id: string; isNew: boolean } = { id: randomUUID(), isNew: true }): Promise<SignedIn> {
    const [, refreshToken] = await Promise.all([
      session.isNew && openSession(tx, user.id, this.refreshTtl, client, session.id),
      issueRefreshToken(tx, session.id, user.id, this.refreshTtl),
    ]);
    return { refreshToken, user, sessionId: session.id };
  }

  private async withAccessToken(signedIn: SignedIn): Promise<AuthResult> {
    const { token, expiresAt } = await this.tokens.sign(signedIn.user.id, signedIn.sessionId);
    return { ...signedIn, accessToken: token, expiresAt };
  }
}
