import { eq, sql } from 'drizzle-orm';
import { badInput, conflict, isUniqueViolation, unauthenticated } from '../common/errors.js';
import { validate } from '../common/validation.js';
import type { Db, DbOrTx } from '../db/client.js';
import { users, type UserRow } from '../db/schema.js';
import { password as passwordRule, registerRules } from '../users/user.rules.js';
import type { AccessTokens } from './access-tokens.js';
import type { LoginLimiter } from './login-limiter.js';
import { hashPassword, verifyPassword } from './passwords.js';
import {
  consumeRefreshToken,
  familyOf,
  issueRefreshToken,
  revokeAllForUser,
  revokeFamily,
} from './refresh-tokens.js';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: UserRow;
}

export interface RegisterData {
  firstname: string;
  lastname: string;
  email: string;
  password: string;
  phone?: string | null;
  country?: string | null;
  profilePicture?: string | null;
}

/** Accounts and sessions: registration, login, token rotation, logout, password change. */
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly tokens: AccessTokens,
    private readonly limiter: LoginLimiter,
    private readonly refreshTtl: number,
  ) {}

  async register(input: RegisterData): Promise<AuthResult> {
    const data = validate(registerRules, input);
    const hash = await hashPassword(data.password);
    try {
      return await this.db.transaction(async (tx) => {
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
          })
          .returning();
        return this.startSession(tx, user!);
      });
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_lower_key')) {
        throw conflict('An account with this email already exists', 'email');
      }
      throw err;
    }
  }

  async login(email: string, password: string, ip: string): Promise<AuthResult> {
    const key = email.trim();
    await this.limiter.check(key, ip);
    const [user] = await this.db
      .select()
      .from(users)
      .where(eq(sql`lower(${users.email})`, key.toLowerCase()));
    const ok = await verifyPassword(user?.password, password);
    if (!user || !ok) {
      await this.limiter.recordFailure(key, ip);
      throw unauthenticated('Invalid email or password');
    }
    await this.limiter.recordSuccess(key);
    return this.db.transaction((tx) => this.startSession(tx, user));
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    // A reuse revokes the family; that revocation must commit even though the call fails.
    const outcome = await this.db.transaction(async (tx) => {
      const rotation = await consumeRefreshToken(tx, refreshToken);
      if (!rotation.ok) return rotation;
      const [user] = await tx.select().from(users).where(eq(users.id, rotation.userId));
      if (!user) return { ok: false as const, reason: 'unknown' as const };
      return { ok: true as const, result: await this.startSession(tx, user, rotation.familyId) };
    });
    if (!outcome.ok) {
      throw unauthenticated(
        outcome.reason === 'reused' ? 'Refresh token was already used; the session is revoked' : 'Invalid refresh token',
      );
    }
    return outcome.result;
  }

  /** Ends one session (the token's family) or, without a token, every session of the viewer. */
  async logout(viewerId: number | null, refreshToken: string | null | undefined): Promise<boolean> {
    if (refreshToken) {
      const family = await familyOf(this.db, refreshToken);
      if (!family || (viewerId !== null && family.userId !== viewerId)) return false;
      await revokeFamily(this.db, family.familyId);
      return true;
    }
    if (viewerId === null) throw unauthenticated();
    await revokeAllForUser(this.db, viewerId);
    return true;
  }

  async changePassword(viewerId: number, currentPassword: string, newPassword: string): Promise<boolean> {
    const next = validate(passwordRule('newPassword'), newPassword, 'newPassword');
    const [user] = await this.db.select().from(users).where(eq(users.id, viewerId));
    if (!user) throw unauthenticated();
    if (!(await verifyPassword(user.password, currentPassword))) {
      throw badInput('currentPassword', 'Current password is wrong');
    }
    const hash = await hashPassword(next);
    await this.db.transaction(async (tx) => {
      await tx.update(users).set({ password: hash, updatedAt: new Date() }).where(eq(users.id, viewerId));
      // Other sessions end with the old password.
      await revokeAllForUser(tx, viewerId);
    });
    return true;
  }

  private async startSession(tx: DbOrTx, user: UserRow, familyId?: string): Promise<AuthResult> {
    const refreshToken = await issueRefreshToken(tx, user.id, this.refreshTtl, familyId);
    const { token, expiresAt } = await this.tokens.sign(user.id);
    return { accessToken: token, refreshToken, expiresAt, user };
  }
}
