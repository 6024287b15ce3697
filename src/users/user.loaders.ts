import DataLoader from 'dataloader';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { alignByKey } from '../common/batch.js';
import { ReadyLoader } from '../common/ready-loader.js';
import { notFound } from '../common/errors.js';
import type { Db } from '../db/client.js';
import { executePlain } from '../db/plain-sql.js';
import { columnsOf, rowOf } from '../db/rows.js';
import { contacts, users, type UserRow } from '../db/schema.js';

// Every sender, participant and contact comes through here: the statement is built once, and
// its text is the same for any number of ids (one prepared statement).
const USER_COLUMNS = columnsOf(users, 'u', '');

export function createUserLoaders(db: Db, viewerId: number | null) {
  return {
    userById: new ReadyLoader<number, UserRow | null>(async (ids) => {
      const raw = await executePlain<Record<string, unknown>>(db, sql`select ${USER_COLUMNS} from users u where u.id = any(${sql.param([...ids])}::int[])`);
      return alignByKey(ids, raw.map((r) => rowOf(users, r)), (r) => r.id);
    }),
    /** Whether a user is an accepted contact of the viewer; decides email/phone visibility. */
    isAcceptedContact: new DataLoader<number, boolean>(async (ids) => {
      if (viewerId === null) return ids.map(() => false);
      const rows = await db
        .select({ contactId: contacts.contactId })
        .from(contacts)
        .where(and(eq(contacts.userId, viewerId), eq(contacts.status, 'ACCEPTED'), inArray(contacts.contactId, [...ids])));
      const accepted = new Set(rows.map((r) => r.contactId));
      return ids.map((id) => accepted.has(id));
    }),
    /** Whether a user blocked the viewer: then they do not exist for the viewer. */
    hasBlockedViewer: new DataLoader<number, boolean>(async (ids) => {
      if (viewerId === null) return ids.map(() => false);
      const rows = await db
        .select({ userId: contacts.userId })
        .from(contacts)
        .where(and(inArray(contacts.userId, [...ids]), eq(contacts.contactId, viewerId), eq(contacts.status, 'BLOCKED')));
      const blockers = new Set(rows.map((r) => r.userId));
      return ids.map((id) => blockers.has(id));
    }),
  };
}
export type UserLoaders = ReturnType<typeof createUserLoaders>;

/** A user a row refers to (sender, participant, contact): foreign keys keep it there. */
export function loadReferencedUser(loaders: Pick<UserLoaders, 'userById'>, userId: number): UserRow | Promise<UserRow> {
  const ready = loaders.userById.peek(userId);
  if (ready) return ready;
  return loaders.userById.load(userId).then((user) => {
    if (!user) throw notFound('User');
    return user;
  });
}
