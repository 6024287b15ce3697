import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { metrics } from '../observability/metrics.js';
import { PresenceStatus, type PresenceChange } from '../presence/presence.model.js';

/**
 * How presence changes travel between instances: small batches on a NOTIFY channel of their
 * own, heard by each instance's one LISTEN connection (bridge.ts). Published inside the
 * transaction that makes the changes, so they arrive in commit order, which is each user's
 * order of changes. Everything presence knows of its transport is in this file.
 */
export const PRESENCE_CHANNEL = 'parley_presence';

/** `[userId, status, lastSeenAt (epoch ms) or null, version]`: about 40 bytes. */
type Wire = [number, PresenceStatus, number | null, number];

/** Changes per notification: a payload stays far below PostgreSQL's 8000 bytes. */
const PER_NOTIFICATION = 150;

export async function publishPresence(db: DbOrTx, changes: PresenceChange[]): Promise<void> {
  if (changes.length === 0) return;
  const payloads: string[] = [];
  for (let i = 0; i < changes.length; i += PER_NOTIFICATION) payloads.push(JSON.stringify(changes.slice(i, i + PER_NOTIFICATION).map(toWire)));
  await db.execute(sql`select count(pg_notify(${PRESENCE_CHANNEL}, p)) from unnest(${sql.param(payloads)}::text[]) as p`);
  metrics.eventsPublished.inc({ type: 'presence' }, changes.length);
}

/** The changes a notification carries; null when it is not one Parley wrote. */
export function decodePresence(payload: string): PresenceChange[] | null {
  try {
    const wire = JSON.parse(payload) as unknown;
    if (!Array.isArray(wire) || !wire.every(isWire)) return null;
    return wire.map(([userId, status, lastSeen, version]) => ({ userId, state: { status, lastSeenAt: lastSeen === null ? null : new Date(lastSeen) }, version }));
  } catch {
    return null;
  }
}

const toWire = (c: PresenceChange): Wire => [c.userId, c.state.status, c.state.lastSeenAt?.getTime() ?? null, c.version];

const STATUSES = new Set<unknown>(Object.values(PresenceStatus));

function isWire(item: unknown): item is Wire {
  return (
    Array.isArray(item) &&
    item.length === 4 &&
    Number.isSafeInteger(item[0]) &&
    STATUSES.has(item[1]) &&
    (item[2] === null || Number.isFinite(item[2])) &&
    Number.isSafeInteger(item[3])
  );
}
