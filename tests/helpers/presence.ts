import WebSocket from 'ws';
import type { Database } from '../../src/db/client.js';

export const PRESENCE_CHANGED = `subscription { presenceChanged { user { id } presence { status lastSeenAt } } }`;

export interface PresenceEventData {
  presenceChanged: { user: { id: string }; presence: { status: string; lastSeenAt: string | null } };
}

/** `[user id, status]` of each event, in order: terse assertions. */
export const statuses = (events: PresenceEventData[]) => events.map((e) => [e.presenceChanged.user.id, e.presenceChanged.presence.status]);

export interface OpenSocket {
  socket: WebSocket;
  /** Closes the socket and waits until it is closed. */
  close(): Promise<void>;
}

/**
 * A raw graphql-transport-ws socket, acknowledged by the server: what keeps a user online.
 * Cheaper than a graphql-ws client, so a test can open a thousand.
 */
export function openSocket(wsUrl: string, token: string, timeoutMs = 60_000): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const timer = setTimeout(() => fail(new Error('no connection_ack in time')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.terminate();
      reject(err);
    };
    const early = (code: number, reason: Buffer) => fail(new Error(`closed before connection_ack: ${code} ${String(reason)}`));
    socket.once('error', fail);
    socket.once('close', early);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type !== 'connection_ack') return;
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('close', early);
      socket.on('error', () => {});
      resolve({
        socket,
        close: async () => {
          socket.close();
          await closed;
        },
      });
    });
  });
}

export interface StoredPresence {
  online: boolean;
  away: boolean;
  version: number;
  lastSeenAt: Date | null;
}

/** A user's presence row as stored (null before their first connection). */
export async function storedPresence(db: Database, userId: string | number): Promise<StoredPresence | null> {
  const [row] = await db.sql<StoredPresence[]>`
    select online, away, version, last_seen_at as "lastSeenAt" from user_presence where user_id = ${Number(userId)}`;
  return row ?? null;
}

export interface Lease {
  instanceId: string;
  /** Renewed for the lease time (a socket is open) or released for the grace period. */
  spanMs: number;
  expired: boolean;
}

/** A user's leases as stored, one per instance. */
export async function leasesOf(db: Database, userId: string | number): Promise<Lease[]> {
  const rows = await db.sql<{ instanceId: string; spanMs: string; expired: boolean }[]>`
    select instance_id as "instanceId", round(extract(epoch from expires_at - seen_at) * 1000) as "spanMs", expires_at <= now() as expired
    from presence_leases where user_id = ${Number(userId)}`;
  return rows.map((r) => ({ ...r, spanMs: Number(r.spanMs) }));
}
