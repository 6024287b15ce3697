import { and, asc, desc, eq, inArray, ne, notExists, or, sql } from 'drizzle-orm';
import { badInput, conflict, notFound } from '../common/errors.js';
import { parseIntId } from '../common/ids.js';
import { escapeLike } from '../common/like.js';
import { email as emailRule, text, validate } from '../common/validation.js';
import type { Db, Tx } from '../db/client.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { contacts, userFields, users, type ContactRow, type UserRow } from '../db/schema.js';
import { ContactEventKind } from '../chatlog/kinds.js';
import { appendUserEntry } from '../chatlog/write.js';
import { lockUsers } from '../db/locks.js';
import { transaction } from '../db/transaction.js';

export const SEARCH_DEFAULT_FIRST = 20;
export const SEARCH_MAX_FIRST = 50;
const searchQueryRule = text('query', 1, 255);
/** People in a stable, human order. */
const BY_NAME = [sql`lower(${users.firstname})`, sql`lower(${users.lastname})`, asc(users.id)];

/** Who to invite: exactly one of the two. */
export interface InviteTarget {
  userId?: string | null;
  email?: string | null;
}

type ContactStatus = ContactRow['status'];
type ContactDirection = ContactRow['direction'];

/** Both entries of one pair, read while both users' rows are locked. */
interface Pair {
  mine: ContactRow | undefined;
  theirs: ContactRow | undefined;
}

/**
 * Contacts and invitations. Every entry is owned by one user (`user_id`) and names the other
 * person (`contact_id`); a relationship is a pair of entries, one per side, kept consistent here.
 *
 * Concurrency: every change to a pair runs in one transaction that first takes both users' locks
 * (src/db/locks.ts, in id order, so two transactions never wait on each other crosswise). Two
 * changes to the same pair therefore run one after the other, and the second one sees what the
 * first one committed: A inviting B while B invites A ends with one side's invitation being
 * accepted by the other's, never with two pending invitations.
 *
 * Events: one CONTACT_CHANGED log entry per counterpart whose entry a change concerns, written
 * inside the changing transaction. The actor learns the outcome from the mutation's answer.
 */
export class ContactsService {
  constructor(private readonly db: Db, private readonly limits: RateLimits) {}

  /** Name prefix (first or last name) or exact email, case-insensitive; never the viewer. */
  async searchUsers(viewerId: number, query: string, first: number | null | undefined): Promise<UserRow[]> {
    await this.limits.consume('search', viewerId);
    const term = validate(searchQueryRule, query, 'query');
    const limit = first ?? SEARCH_DEFAULT_FIRST;
    if (!Number.isInteger(limit) || limit < 1) throw badInput('first', 'first must be at least 1');
    const prefix = sql`lower(${escapeLike(term)}) || '%'`;
    return this.db
      .select(userFields)
      .from(users)
      .where(
        and(
          ne(users.id, viewerId),
          or(
            sql`lower(${users.firstname}) like ${prefix}`,
            sql`lower(${users.lastname}) like ${prefix}`,
            sql`lower(${users.email}) = lower(${term})`,
          ),
          // Whoever blocked the viewer does not exist for them.
          notExists(
            this.db
              .select({ one: sql`1` })
              .from(contacts)
              .where(
                and(eq(contacts.userId, users.id), eq(contacts.contactId, viewerId), eq(contacts.status, 'BLOCKED')),
              ),
          ),
        ),
      )
      .orderBy(...BY_NAME)
      .limit(Math.min(limit, SEARCH_MAX_FIRST));
  }

  /** The viewer's own entries, by the other person's name. */
  async contacts(viewerId: number, status?: ContactStatus | null): Promise<ContactRow[]> {
    const rows = await this.db
      .select({ entry: contacts })
      .from(contacts)
      .innerJoin(users, eq(users.id, contacts.contactId))
      .where(and(eq(contacts.userId, viewerId), status ? eq(contacts.status, status) : undefined))
      .orderBy(...BY_NAME);
    return rows.map((r) => r.entry);
  }

  /** The viewer's pending entries, newest first. */
  invitations(viewerId: number, direction?: ContactDirection | null): Promise<ContactRow[]> {
    return this.db
      .select()
      .from(contacts)
      .where(
        and(
          eq(contacts.userId, viewerId),
          eq(contacts.status, 'PENDING'),
          direction ? eq(contacts.direction, direction) : undefined,
        ),
      )
      .orderBy(desc(contacts.updatedAt), desc(contacts.id));
  }

  /**
   * Invites a user by id or by email. When that user has already invited the viewer, this
   * accepts their invitation instead of crossing it with a second one. A declined pair may be
   * invited again, by either side.
   */
  async sendInvitation(viewerId: number, target: InviteTarget): Promise<ContactRow> {
    await this.limits.consume('invitation', viewerId);
    const { otherId, field } = await this.resolveInvitee(viewerId, target);
    return transaction(this.db, async (tx) => {
      const pair = await lockPair(tx, viewerId, otherId);
      // A user who blocked the viewer is answered as unknown: the block is theirs to keep private.
      if (!pair || pair.theirs?.status === 'BLOCKED') throw notFound('User');
      const { mine } = pair;
      if (mine?.status === 'BLOCKED') throw conflict('You blocked this user; unblock them first', field);
      if (mine?.status === 'ACCEPTED') throw conflict('This user is already a contact', field);
      if (mine?.status === 'PENDING' && mine.direction === 'OUTGOING') {
        throw conflict('An invitation to this user is already pending', field);
      }
      if (mine?.status === 'PENDING') return acceptPair(tx, mine);

      // No entry yet, or a declined pair: a fresh invitation replaces both entries.
      const now = new Date();
      const sent = await setEntry(tx, viewerId, otherId, 'PENDING', 'OUTGOING', now);
      const received = await setEntry(tx, otherId, viewerId, 'PENDING', 'INCOMING', now);
      await announce(tx, received, ContactEventKind.INVITATION_RECEIVED);
      return sent;
    });
  }

  /** `id` is the invitee's own (incoming, pending) entry; anything else is NOT_FOUND. */
  acceptInvitation(viewerId: number, id: string): Promise<ContactRow> {
    return this.withOwnInvitation(viewerId, id, 'INCOMING', (tx, mine) => acceptPair(tx, mine));
  }

  /**
   * The invitee's entry becomes DECLINED, and so does the inviter's: the inviter is told anyway
   * (INVITATION_DECLINED), and an entry that still exists is one the realtime layer can load and
   * deliver as the event's `contact`, and one the inviter can clear with `removeContact`. Both
   * sides stay consistent, and either may invite again later.
   */
  declineInvitation(viewerId: number, id: string): Promise<ContactRow> {
    return this.withOwnInvitation(viewerId, id, 'INCOMING', async (tx, mine) => {
      const now = new Date();
      const declined = await setEntry(tx, viewerId, mine.contactId, 'DECLINED', 'INCOMING', now);
      const inviters = await setEntry(tx, mine.contactId, viewerId, 'DECLINED', 'OUTGOING', now);
      await announce(tx, inviters, ContactEventKind.INVITATION_DECLINED);
      return declined;
    });
  }

  /** `id` is the inviter's own (outgoing, pending) entry; both entries go. */
  cancelInvitation(viewerId: number, id: string): Promise<boolean> {
    return this.withOwnInvitation(viewerId, id, 'OUTGOING', async (tx, mine, theirs) => {
      await endPair(tx, mine, theirs, ContactEventKind.INVITATION_CANCELLED);
      return true;
    });
  }

  /**
   * Ends an accepted (or declined) relationship for both sides. False when there is none:
   * pending invitations end with cancel/decline, blocks with unblockUser.
   */
  async removeContact(viewerId: number, userId: string): Promise<boolean> {
    const otherId = parseOtherUserId(viewerId, userId);
    return transaction(this.db, async (tx) => {
      const pair = await lockPair(tx, viewerId, otherId);
      const mine = pair?.mine;
      if (!mine || (mine.status !== 'ACCEPTED' && mine.status !== 'DECLINED')) return false;
      await endPair(tx, mine, pair.theirs, ContactEventKind.CONTACT_REMOVED);
      return true;
    });
  }

  /**
   * The viewer's entry becomes BLOCKED (created when there is none) and the blocked user's entry
   * goes, ending any contact or pending invitation. The blocked user is told the way they would
   * be told of an ordinary removal, cancel or decline, so the block itself stays private.
   */
  async blockUser(viewerId: number, userId: string): Promise<ContactRow> {
    const otherId = parseOtherUserId(viewerId, userId);
    return transaction(this.db, async (tx) => {
      const pair = await lockPair(tx, viewerId, otherId);
      if (!pair) throw notFound('User');
      const { mine, theirs } = pair;
      if (mine?.status === 'BLOCKED') return mine;
      const blocked = await setEntry(tx, viewerId, otherId, 'BLOCKED', 'OUTGOING', new Date());
      // Their own block of the viewer, if any, stays: blocks are per side.
      if (theirs && theirs.status !== 'BLOCKED') await dropEntry(tx, theirs, removalKind(theirs));
      await appendUserEntry(tx, viewerId, { kind: 'BLOCKS_CHANGED', data: { otherId, blocked: true } });
      return blocked;
    });
  }

  /** Deletes the viewer's block of the user; false when there was none. */
  async unblockUser(viewerId: number, userId: string): Promise<boolean> {
    const otherId = parseOtherUserId(viewerId, userId);
    return transaction(this.db, async (tx) => {
      await lockUsers(tx, [viewerId, otherId]);
      const removed = await tx
        .delete(contacts)
        .where(and(eq(contacts.userId, viewerId), eq(contacts.contactId, otherId), eq(contacts.status, 'BLOCKED')))
        .returning({ id: contacts.id });
      if (removed.length) await appendUserEntry(tx, viewerId, { kind: 'BLOCKS_CHANGED', data: { otherId, blocked: false } });
      return removed.length > 0;
    });
  }

  private async resolveInvitee(viewerId: number, target: InviteTarget): Promise<{ otherId: number; field: string }> {
    const hasId = target.userId != null;
    const hasEmail = target.email != null;
    if (hasId && hasEmail) throw badInput('email', 'Give either userId or email, not both');
    if (hasId) return { otherId: parseOtherUserId(viewerId, target.userId!), field: 'userId' };
    if (!hasEmail) throw badInput('userId', 'Give the userId or the email of the user to invite');

    const address = validate(emailRule, target.email, 'email');
    const [found] = await this.db
      .select({ id: users.id })
      .from(users)
      .where(eq(sql`lower(${users.email})`, sql`lower(${address})`));
    if (!found) throw notFound('User');
    if (found.id === viewerId) throw badInput('email', 'You cannot invite yourself');
    return { otherId: found.id, field: 'email' };
  }

  /** Runs `change` on the viewer's own pending entry `id` of the given direction, pair locked. */
  private withOwnInvitation<T>(
    viewerId: number,
    id: string,
    direction: ContactDirection,
    change: (tx: Tx, mine: ContactRow, theirs: ContactRow | undefined) => Promise<T>,
  ): Promise<T> {
    const entryId = parseIntId(id, 'id');
    return transaction(this.db, async (tx) => {
      const [entry] = await tx
        .select({ contactId: contacts.contactId })
        .from(contacts)
        .where(and(eq(contacts.id, entryId), eq(contacts.userId, viewerId)));
      const pair = entry && (await lockPair(tx, viewerId, entry.contactId));
      // Read again under the lock: the entry may have changed (or gone) since the first look.
      const mine = pair?.mine;
      if (!mine || mine.id !== entryId || mine.status !== 'PENDING' || mine.direction !== direction) {
        throw notFound('Invitation');
      }
      return change(tx, mine, pair.theirs);
    });
  }
}

function parseOtherUserId(viewerId: number, userId: string): number {
  const otherId = parseIntId(userId, 'userId');
  if (otherId === viewerId) throw badInput('userId', 'userId must be another user');
  return otherId;
}

/**
 * Takes both users' locks, then reads both entries of the pair. Null when either user does not
 * exist.
 */
async function lockPair(tx: Tx, ownerId: number, otherId: number): Promise<Pair | null> {
  await lockUsers(tx, [ownerId, otherId]);
  const found = await tx.select({ id: users.id }).from(users).where(inArray(users.id, [ownerId, otherId]));
  if (found.length < 2) return null;
  const rows = await tx.select().from(contacts).where(bothEntriesOf(ownerId, otherId));
  return { mine: rows.find((r) => r.userId === ownerId), theirs: rows.find((r) => r.userId === otherId) };
}

/** Matches the entry of each user about the other. */
function bothEntriesOf(a: number, b: number) {
  return or(
    and(eq(contacts.userId, a), eq(contacts.contactId, b)),
    and(eq(contacts.userId, b), eq(contacts.contactId, a)),
  );
}

/** Creates or overwrites the owner's entry about the other user. */
async function setEntry(
  tx: Tx,
  ownerId: number,
  otherId: number,
  status: ContactStatus,
  direction: ContactDirection,
  now: Date,
): Promise<ContactRow> {
  const [row] = await tx
    .insert(contacts)
    .values({ userId: ownerId, contactId: otherId, status, direction, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [contacts.userId, contacts.contactId], set: { status, direction, updatedAt: now } })
    .returning();
  return row!;
}

/** Both sides become contacts; the inviter is told. `mine` is the invitee's pending entry. */
async function acceptPair(tx: Tx, mine: ContactRow): Promise<ContactRow> {
  const now = new Date();
  const accepted = await setEntry(tx, mine.userId, mine.contactId, 'ACCEPTED', 'INCOMING', now);
  const inviters = await setEntry(tx, mine.contactId, mine.userId, 'ACCEPTED', 'OUTGOING', now);
  await announce(tx, inviters, ContactEventKind.INVITATION_ACCEPTED);
  return accepted;
}

/** Deletes both entries; the other side is told with the id of their deleted entry. */
async function endPair(tx: Tx, mine: ContactRow, theirs: ContactRow | undefined, kind: ContactEventKind) {
  await tx.delete(contacts).where(eq(contacts.id, mine.id));
  // A block is the other side's own decision and never ends with this one's relationship.
  if (theirs && theirs.status !== 'BLOCKED') await dropEntry(tx, theirs, kind);
}

async function dropEntry(tx: Tx, entry: ContactRow, kind: ContactEventKind) {
  await tx.delete(contacts).where(eq(contacts.id, entry.id));
  await announce(tx, entry, kind);
}

/** What the owner of a deleted entry is told when the other side blocks them. */
function removalKind(entry: ContactRow): ContactEventKind {
  if (entry.status !== 'PENDING') return ContactEventKind.CONTACT_REMOVED;
  return entry.direction === 'INCOMING' ? ContactEventKind.INVITATION_CANCELLED : ContactEventKind.INVITATION_DECLINED;
}

async function announce(tx: Tx, entry: ContactRow, kind: ContactEventKind): Promise<void> {
  const contact = { ...entry, createdAt: entry.createdAt.toISOString(), updatedAt: entry.updatedAt.toISOString() };
  await appendUserEntry(tx, entry.userId, { kind: 'CONTACT_CHANGED', data: { kind, contact } });
}
