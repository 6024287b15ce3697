import { eq } from 'drizzle-orm';
import { notFound } from '../common/errors.js';
import { validate } from '../common/validation.js';
import type { Db } from '../db/client.js';
import { users, type UserRow } from '../db/schema.js';
import { privacyColumns, privacyOf, privacyRules, type PrivacyData } from './privacy.js';
import { updateProfileRules } from './user.rules.js';

export interface ProfileChanges {
  firstname?: string | null;
  lastname?: string | null;
  phone?: string | null;
  country?: string | null;
  profilePicture?: string | null;
}

export class UsersService {
  constructor(private readonly db: Db) {}

  async updateProfile(viewerId: number, input: ProfileChanges): Promise<UserRow> {
    // GraphQL gives null for "clear"; names cannot be cleared, so null there is a bad input.
    for (const field of ['firstname', 'lastname'] as const) {
      if (input[field] === null) input = { ...input, [field]: '' };
    }
    const changes = validate(updateProfileRules, input);
    const [user] = await this.db
      .update(users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(users.id, viewerId))
      .returning();
    if (!user) throw notFound('User');
    return user;
  }

  async updatePrivacy(viewerId: number, input: PrivacyData) {
    const changes = privacyColumns(validate(privacyRules, input));
    const [user] = await this.db
      .update(users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(users.id, viewerId))
      .returning();
    if (!user) throw notFound('User');
    return privacyOf(user);
  }
}
