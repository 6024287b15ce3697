import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import { lockPresence } from '../db/locks.js';
import { presenceState, type PresenceChange, type StoredPresence } from './presence.model.js';

/**
 * Every statement about presence. The invariant they keep, under the presence lock: a user who
 * has a lease (live or not yet swept) is online, and one who has none is offline. So a lease that
 * is created (not renewed) is the only way online, and the sweep that leaves a user without
 * leases the only way offline; each returns exactly the users whose status changed.
 */

type Row = Record<string, unknown>;

const RETURNING = sql`returning p.user_id, p.online, p.away, p.last_seen_at, p.version`;

const stored = (row: Row): StoredPresence => ({
  online: Boolean(row.online),
  away: Boolean(row.away),
  lastSeenAt: row.last_seen_at == null ? null : new Date(row.last_seen_at as string | Date),
});

const changeOf = (row: Row): PresenceChange => ({ userId: Number(row.user_id), state: presenceState(stored(row)), version: Number(row.version) });

const ms = (n: number) => sql`${n} * interval '1 millisecond'`;
const ids = (list: number[]) => sql`${sql.param(list)}::int[]`;

/**
 * One instance's batch: leases of `held` users written (created, or renewed to `leaseMs` from
 * now), leases of `released` users kept for `graceMs` only. The users whose lease is the first
 * one go online.
 */
export async function writeLeases(
  tx: Tx,
  instanceId: string,
  batch: { held: number[]; released: number[] },
  times: { leaseMs: number; graceMs: number },
): Promise<PresenceChange[]> {
  await lockPresence(tx);
  let changes: PresenceChange[] = [];
  if (batch.held.length) {
    // `xmax = 0` marks a row the upsert inserted rather than updated.
    const rows = await tx.execute<Row>(sql`
      with lease as (
        insert into presence_leases (user_id, instance_id, expires_at, seen_at)
        select u.id, ${instanceId}, now() + ${ms(times.leaseMs)}, now() from users u where u.id = any(${ids(batch.held)})
        on conflict (user_id, instance_id) do update set expires_at = excluded.expires_at, seen_at = excluded.seen_at
        returning user_id, xmax = 0 as fresh
      )
      insert into user_presence as p (user_id, online)
      select user_id, true from lease where fresh
      on conflict (user_id) do update set online = true, version = p.version + 1, changed_at = now()
      where not p.online
      ${RETURNING}`);
    changes = rows.map(changeOf);
  }
  if (batch.released.length) {
    await tx.execute(sql`
      update presence_leases set expires_at = now() + ${ms(times.graceMs)}, seen_at = now()
      where instance_id = ${instanceId} and user_id = any(${ids(batch.released)})`);
  }
  return changes;
}

/** Whether a sweep has anything to do: most rounds, on most instances, end here. */
export async function hasExpiredLeases(db: DbOrTx): Promise<boolean> {
  const [row] = await db.execute<{ due: boolean }>(sql`select exists (select 1 from presence_leases where expires_at <= now()) as due`);
  return row!.due;
}

/**
 * Deletes the expired leases; their users who have no live lease left go offline, last seen
 * when their latest lease was last renewed or released. (The caller holds the sweep lock.)
 */
export async function sweepExpiredLeases(tx: Tx): Promise<PresenceChange[]> {
  await lockPresence(tx);
  const rows = await tx.execute<Row>(sql`
    with gone as (
      delete from presence_leases where expires_at <= now() returning user_id, seen_at
    ), users_gone as (
      select user_id, max(seen_at) as seen,
             exists (select 1 from presence_leases l where l.user_id = gone.user_id and l.expires_at > now()) as live
      from gone group by user_id
    )
    update user_presence p
    set online = p.online and g.live,
        away = p.away and g.live,
        last_seen_at = greatest(p.last_seen_at, g.seen),
        version = p.version + (case when p.online and not g.live then 1 else 0 end),
        changed_at = case when p.online and not g.live then now() else p.changed_at end
    from users_gone g
    where p.user_id = g.user_id
    ${RETURNING}, not g.live as went_offline`);
  return rows.filter((r) => r.went_offline).map(changeOf);
}

/**
 * Sets the user's own "away" flag; it lasts until cleared or until they go offline. Returns
 * their presence and, when others can see a difference (they are online), the change.
 */
export async function writeAway(tx: Tx, userId: number, away: boolean): Promise<{ change: PresenceChange | null; presence: StoredPresence }> {
  const [changed] = await tx.execute<Row>(sql`
    insert into user_presence as p (user_id, away) values (${userId}, ${away})
    on conflict (user_id) do update set away = excluded.away, version = p.version + 1, changed_at = now()
    where p.away <> excluded.away
    ${RETURNING}`);
  if (changed) return { change: changed.online ? changeOf(changed) : null, presence: stored(changed) };
  const [row] = await tx.execute<Row>(sql`select p.online, p.away, p.last_seen_at from user_presence p where p.user_id = ${userId}`);
  return { change: null, presence: stored(row!) };
}

/** Every change made after `since` (ms), oldest first: what an instance missed while it could not listen. */
export async function presenceChangesSince(db: DbOrTx, since: number): Promise<PresenceChange[]> {
  const rows = await db.execute<Row>(sql`
    select p.user_id, p.online, p.away, p.last_seen_at, p.version from user_presence p
    where p.changed_at > to_timestamp(${since / 1000}) order by p.changed_at`);
  return rows.map(changeOf);
}

/**
 * Who may see `subject`'s presence, for a `viewer`, as SQL over their ids and the subject's
 * `lastSeen` setting: the subject themself always; nobody across a block, whichever side
 * blocked; otherwise as `lastSeen` says (CONTACTS: accepted contacts).
 */
function visibleTo(subject: SQL, viewer: SQL, lastSeen: SQL): SQL {
  return sql`(${subject} = ${viewer} or (
    ${lastSeen} <> 'NOBODY'
    and (${lastSeen} = 'EVERYONE'
         or exists (select 1 from contacts c where c.user_id = ${subject} and c.contact_id = ${viewer} and c.status = 'ACCEPTED'))
    and not exists (select 1 from contacts b where b.status = 'BLOCKED'
                    and ((b.user_id = ${subject} and b.contact_id = ${viewer}) or (b.user_id = ${viewer} and b.contact_id = ${subject})))
  ))`;
}

/** The presence of each of `userIds` that `viewerId` may see (absent: hidden, or no such user). */
export async function visiblePresence(db: DbOrTx, viewerId: number, userIds: readonly number[]): Promise<Map<number, StoredPresence | null>> {
  const rows = await db.execute<Row>(sql`
    select u.id as user_id, p.user_id is not null as known, p.online, p.away, p.last_seen_at
    from users u left join user_presence p on p.user_id = u.id
    where u.id = any(${ids([...userIds])}) and ${visibleTo(sql`u.id`, sql`${viewerId}::int`, sql`u.privacy_last_seen`)}`);
  return new Map(rows.map((r) => [Number(r.user_id), r.known ? stored(r) : null]));
}

/**
 * Of `viewers`, who hears a change of each of `subjects`: their accepted contacts and the
 * members of the chats they are in now, as far as each may see the subject's presence. One
 * statement for a whole batch of changes and every local subscriber.
 */
export async function presenceAudience(db: DbOrTx, subjects: number[], viewers: number[]): Promise<{ subject: number; viewer: number }[]> {
  if (subjects.length === 0 || viewers.length === 0) return [];
  const rows = await db.execute<Row>(sql`
    with pairs as (
      select c.user_id as subject, c.contact_id as viewer from contacts c
      where c.user_id = any(${ids(subjects)}) and c.contact_id = any(${ids(viewers)}) and c.status = 'ACCEPTED'
      union
      select a.user_id, b.user_id from chat_participants a
      join chat_participants b on b.chat_id = a.chat_id and b.user_id <> a.user_id
      where a.user_id = any(${ids(subjects)}) and b.user_id = any(${ids(viewers)})
    )
    select pairs.subject, pairs.viewer from pairs join users u on u.id = pairs.subject
    where ${visibleTo(sql`pairs.subject`, sql`pairs.viewer`, sql`u.privacy_last_seen`)}`);
  return rows.map((r) => ({ subject: Number(r.subject), viewer: Number(r.viewer) }));
}
