import { eq } from 'drizzle-orm';
import { notFound } from '../common/errors.js';
import { validate } from '../common/validation.js';
import type { Db } from '../db/client.js';
import { userFields, users, type UserRow } from '../db/schema.js';
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
    return this.update(viewerId, validate(updateProfileRules, input));
  }

  async updatePrivacy(viewerId: number, input: PrivacyData) {
    return privacyOf(await this.update(viewerId, privacyColumns(validate(privacyRules, input))));
  }

  private async update(viewerId: number, changes: Partial<UserRow>): Promise<UserRow> {
    const [user] = await this.db
      .update(users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(users.id, viewerId))
      .returning(userFields);
    if (!user) throw notFound('User');
    return user;
  }
}
