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
  /**
   * Loads in flight, with the changes handed out meanwhile: those may have committed after the
   * load's snapshot, so they are applied on top of what it read, in log order.
   */
  private readonly loads = new Map<number, { done: Promise<void>; missed: EntryOf<'BLOCKS_CHANGED'>[] }>();

  constructor(private readonly db: Db) {}

  async track(userId: number): Promise<void> {
    if (this.byUser.has(userId)) return;
    let load = this.loads.get(userId);
    if (!load) {
      const missed: EntryOf<'BLOCKS_CHANGED'>[] = [];
      const done = this.load(userId, missed).finally(() => this.loads.delete(userId));
      load = { done, missed };
      this.loads.set(userId, load);
    }
    await load.done;
  }

  forget(userId: number): void {
    this.byUser.delete(userId);
  }

  apply(entry: EntryOf<'BLOCKS_CHANGED'>): void {
    const blocked = this.byUser.get(entry.userId!);
    if (blocked) change(blocked, entry);
    else this.loads.get(entry.userId!)?.missed.push(entry);
  }

  /** Whether `recipient` must not hear what `actor` did. */
  hides(recipient: number, actor: number | null): boolean {
    return actor !== null && actor !== recipient && (this.byUser.get(recipient)?.has(actor) ?? false);
  }

  private async load(userId: number, missed: EntryOf<'BLOCKS_CHANGED'>[]): Promise<void> {
    const rows = await this.db
      .select({ otherId: contacts.contactId })
      .from(contacts)
      .where(and(eq(contacts.userId, userId), eq(contacts.status, 'BLOCKED')));
    const blocked = new Set(rows.map((r) => r.otherId));
    // An entry older than the snapshot may block again for a moment what it shows unblocked: the
    // newer entry that unblocked it is still to come. Hiding too much for a moment, never too little.
    for (const entry of missed) change(blocked, entry);
    this.byUser.set(userId, blocked);
  }
}

function change(blocked: Set<number>, entry: EntryOf<'BLOCKS_CHANGED'>): void {
  if (entry.data.blocked) blocked.add(entry.data.otherId);
  else blocked.delete(entry.data.otherId);
}
