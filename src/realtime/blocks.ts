import { and, eq } from 'drizzle-orm';
import type { EntryOf } from '../chatlog/kinds.js';
import type { Db } from '../db/client.js';
import { contacts } from '../db/schema.js';

/**
 * Whom each local subscriber has blocked: nothing a blocked user does reaches the one who
 * blocked them, groups included. Loaded when a user's first subscription starts, kept current
 * from the log's BLOCKS_CHANGED entries, dropped with the user's last subscription.
 */
export class BlockedUsers {
  private readonly byUser = new Map<number, Set<number>>();

  constructor(private readonly db: Db) {}

  async track(userId: number): Promise<void> {
    if (this.byUser.has(userId)) return;
    const rows = await this.db
      .select({ otherId: contacts.contactId })
      .from(contacts)
      .where(and(eq(contacts.userId, userId), eq(contacts.status, 'BLOCKED')));
    if (!this.byUser.has(userId)) this.byUser.set(userId, new Set(rows.map((r) => r.otherId)));
  }

  forget(userId: number): void {
    this.byUser.delete(userId);
  }

  apply(entry: EntryOf<'BLOCKS_CHANGED'>): void {
    const blocked = this.byUser.get(entry.userId!);
    if (!blocked) return;
    if (entry.data.blocked) blocked.add(entry.data.otherId);
    else blocked.delete(entry.data.otherId);
  }

  /** Whether `recipient` must not hear what `actor` did. */
  hides(recipient: number, actor: number | null): boolean {
    return actor !== null && actor !== recipient && (this.byUser.get(recipient)?.has(actor) ?? false);
  }
}
