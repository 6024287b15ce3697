import type { Tx } from '../db/client.js';
import { announce } from '../db/transaction.js';
import { PresenceStatus, type PresenceChange } from '../presence/presence.model.js';
import { ALL } from './bus/signals.js';

/**
 * How presence changes travel between instances: small batches of `presence` signals on the
 * event bus (src/realtime/bus), announced with the transaction that makes the changes — with
 * PostgreSQL inside it, so they arrive in commit order, which is each user's order of changes;
 * with NATS after it, each carrying the row's version so a stale one is recognised. Everything
 * presence knows of its transport is in this file.
 */

/** `[userId, status, lastSeenAt (epoch ms) or null, version]`: about 40 bytes. */
type Wire = [number, PresenceStatus, number | null, number];

/** Changes per signal: a NOTIFY payload stays far below PostgreSQL's 8000 bytes. */
const PER_SIGNAL = 150;

export async function publishPresence(tx: Tx, changes: PresenceChange[]): Promise<void> {
  for (let i = 0; i < changes.length; i += PER_SIGNAL) {
    await announce(tx, { kind: 'presence', topic: ALL, data: { changes: changes.slice(i, i + PER_SIGNAL).map(toWire) } });
  }
}

/** The changes a signal carries; null when it is not one Parley wrote. */
export function decodePresence(data: { changes: unknown }): PresenceChange[] | null {
  const wire = data?.changes;
  if (!Array.isArray(wire) || !wire.every(isWire)) return null;
  return wire.map(([userId, status, lastSeen, version]) => ({ userId, state: { status, lastSeenAt: lastSeen === null ? null : new Date(lastSeen) }, version }));
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
