import { and, eq, inArray, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { contacts } from '../db/schema.js';

/** Of `others`, those with a block between them and `userId`, whichever side blocked. */
export async function blockedAmong(db: DbOrTx, userId: number, others: number[]): Promise<Set<number>> {
  if (others.length === 0) return new Set();
  const rows = await db
    .select({ userId: contacts.userId, contactId: contacts.contactId })
    .from(contacts)
    .where(
      and(
        eq(contacts.status, 'BLOCKED'),
        or(
          and(eq(contacts.userId, userId), inArray(contacts.contactId, others)),
          and(eq(contacts.contactId, userId), inArray(contacts.userId, others)),
        ),
      ),
    );
  return new Set(rows.map((r) => (r.userId === userId ? r.contactId : r.userId)));
}

/**
 * `userId` has blocked `otherId` (columns of the statement it is part of, or ids): nothing
 * `otherId` does reaches `userId`. The one form of that rule inside other statements.
 */
export function hasBlocked(userId: SQLWrapper | number, otherId: SQLWrapper | number): SQL {
  return sql`exists (select 1 from ${contacts} where ${contacts.userId} = ${userId} and ${contacts.contactId} = ${otherId} and ${contacts.status} = 'BLOCKED')`;
}
