import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { forbidden } from '../common/errors.js';
import type { DbOrTx } from '../db/client.js';
import { contacts, users, type UserRow } from '../db/schema.js';

/** What a user's settings may say: NOBODY only for lastSeen (blocks keep people out). */
export const privacyRules = z.object({
  directMessages: z.enum(['EVERYONE', 'CONTACTS'], { message: 'directMessages must be EVERYONE or CONTACTS' }).nullish(),
  groupAdds: z.enum(['EVERYONE', 'CONTACTS'], { message: 'groupAdds must be EVERYONE or CONTACTS' }).nullish(),
  lastSeen: z.enum(['EVERYONE', 'CONTACTS', 'NOBODY']).nullish(),
});
export type PrivacyChanges = z.output<typeof privacyRules>;
/** Settings as a client sends them, before validation. */
export type PrivacyData = { [K in keyof PrivacyChanges]?: string | null };

/** The settings as columns, for an insert or an update; omitted ones are left out. */
export function privacyColumns(changes: PrivacyChanges): Partial<Pick<UserRow, 'privacyDirectMessages' | 'privacyGroupAdds' | 'privacyLastSeen'>> {
  return Object.fromEntries(
    Object.entries({
      privacyDirectMessages: changes.directMessages,
      privacyGroupAdds: changes.groupAdds,
      privacyLastSeen: changes.lastSeen,
    }).filter(([, v]) => v != null),
  );
}

export const privacyOf = (user: UserRow) => ({
  directMessages: user.privacyDirectMessages,
  groupAdds: user.privacyGroupAdds,
  lastSeen: user.privacyLastSeen,
});

type Setting = 'privacyDirectMessages' | 'privacyGroupAdds';

/**
 * The one rule for reaching someone new: each of `targets` whose `setting` is CONTACTS must
 * have `actorId` as an accepted contact. Refused: FORBIDDEN, naming who.
 */
export async function requireAudience(db: DbOrTx, actorId: number, targets: number[], setting: Setting, what: string): Promise<void> {
  if (targets.length === 0) return;
  const restricted = await db
    .select({ id: users.id, firstname: users.firstname })
    .from(users)
    .where(and(inArray(users.id, targets), eq(users[setting], 'CONTACTS')));
  if (restricted.length === 0) return;
  const accepted = await db
    .select({ userId: contacts.userId })
    .from(contacts)
    .where(and(inArray(contacts.userId, restricted.map((r) => r.id)), eq(contacts.contactId, actorId), eq(contacts.status, 'ACCEPTED')));
  const allowed = new Set(accepted.map((a) => a.userId));
  const refused = restricted.filter((r) => !allowed.has(r.id));
  if (refused.length) throw forbidden(`${namesOf(refused.map((r) => r.firstname))} ${refused.length === 1 ? 'accepts' : 'accept'} ${what} from contacts only`);
}

/** "Ana", "Ana and Ben", "Ana, Ben and 3 others". */
function namesOf(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} ${names.length === 3 ? 'other' : 'others'}`;
}
