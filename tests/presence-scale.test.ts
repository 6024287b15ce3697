import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/auth/access-tokens.js';
import { RevokedSessions } from '../src/auth/revoked-sessions.js';
import { contacts, users } from '../src/db/schema.js';
import { uniqueEmail } from './helpers/graphql.js';
import { openSocket, PRESENCE_CHANGED, statuses, type OpenSocket, type PresenceEventData } from './helpers/presence.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { TEST_JWT_SECRET, type TestServer } from './helpers/server.js';
import type { Subscription } from './helpers/ws.js';
import { until } from './helpers/ws.js';

/**
 * A thousand sockets opening at once, then all of them closing and coming back (a restart):
 * each subscriber hears each user once, and the reconnect storm not at all. Users and contacts
 * are written straight to the database and tokens signed here: registering 500 users through
 * argon2 would take minutes on a busy machine and prove nothing about presence.
 */
const USERS = 500;
// The storm happens within the grace period: that is what it is for.
const presence = { graceMs: 60_000, leaseMs: 120_000, flushMs: 250, coalesceMs: 2000 };
const parley = useParley({ presence, ws: { maxSocketsPerIp: 5000, maxSockets: 10_000 } });
const WAIT = 120_000;
const open: OpenSocket[] = [];

afterAll(async () => {
  await Promise.all(open.map((s) => s.socket.terminate()));
});

const tokens = new AccessTokens(TEST_JWT_SECRET, 3600, new RevokedSessions(3600));

async function insertUsers(n: number): Promise<number[]> {
  const rows = await parley.db.db
    .insert(users)
    .values(Array.from({ length: n }, (_, i) => ({ firstname: `Burst${i}`, lastname: 'Presence', email: uniqueEmail('burst'), password: 'not-a-login' })))
    .returning({ id: users.id });
  return rows.map((r) => r.id);
}

async function makeContacts(of: Actor, others: number[]): Promise<void> {
  const me = Number(of.id);
  await parley.db.db.insert(contacts).values(
    others.flatMap((other) => [
      { userId: me, contactId: other, status: 'ACCEPTED' as const, direction: 'OUTGOING' as const },
      { userId: other, contactId: me, status: 'ACCEPTED' as const, direction: 'INCOMING' as const },
    ]),
  );
}

/** Opens the sockets, `concurrency` at a time; each user gets one socket on every instance. */
async function connectAll(ids: number[], instances: TestServer[], concurrency = 100): Promise<OpenSocket[]> {
  const jobs = ids.flatMap((id) => instances.map((srv) => ({ id, srv })));
  const sockets: OpenSocket[] = [];
  for (let i = 0; i < jobs.length; i += concurrency) {
    const batch = await Promise.all(
      jobs.slice(i, i + concurrency).map(async ({ id, srv }) => openSocket(srv.wsUrl, (await tokens.sign(id, randomUUID())).token)),
    );
    sockets.push(...batch);
  }
  open.push(...sockets);
  return sockets;
}

/** How many of `ids` have leases in the given state (held: a socket is open; released: in grace). */
async function leasesIn(ids: number[], state: 'held' | 'released'): Promise<number> {
  const span = state === 'held' ? presence.leaseMs : presence.graceMs;
  const [row] = await parley.db.sql<{ n: number }[]>`
    select count(*)::int as n from presence_leases
    where user_id = any(${ids}::int[]) and round(extract(epoch from expires_at - seen_at) * 1000) = ${span}`;
  return row!.n;
}

/** Every one of `ids` is online, and was changed once only: its version counts its changes. */
async function expectOneChangeEach(ids: number[]) {
  const rows = await parley.db.sql<{ version: number; online: boolean }[]>`select version, online from user_presence where user_id = any(${ids}::int[])`;
  expect(rows).toHaveLength(ids.length);
  expect(rows.filter((r) => r.version !== 1 || !r.online)).toEqual([]);
}
const usersIn = (sub: Subscription<PresenceEventData>) => new Set(sub.events.map((e) => e.presenceChanged.user.id));

describe('presence at scale', () => {
  it('a burst of 1,000 connects reaches each subscriber once per user, and a reconnect storm within the grace period not at all', async () => {
    const other = await parley.newInstance({ presence, ws: { maxSocketsPerIp: 5000, maxSockets: 10_000 } });
    const instances = [parley.srv, other];
    const [everyone, half, stranger] = await parley.newUsers(3, 'W');
    const burst = await insertUsers(USERS);
    const [sentinel1, sentinel2] = await insertUsers(2);
    await makeContacts(everyone!, [...burst, sentinel1!, sentinel2!]);
    await makeContacts(half!, [...burst.slice(0, USERS / 2), sentinel1!, sentinel2!]);
    await makeContacts(stranger!, [sentinel1!, sentinel2!]);
    const byEveryone = await everyone!.subscribe<PresenceEventData>(PRESENCE_CHANGED);
    const byHalf = await half!.subscribe<PresenceEventData>(PRESENCE_CHANGED, {}, other);
    const byStranger = await stranger!.subscribe<PresenceEventData>(PRESENCE_CHANGED);

    // The burst: 1,000 sockets, each user on both instances.
    const sockets = await connectAll(burst, instances);
    expect(sockets).toHaveLength(2 * USERS);
    await byEveryone.waitFor(USERS, WAIT);
    await byHalf.waitFor(USERS / 2, WAIT);
    await until(() => instances.every((i) => i.server.presence.idle), WAIT, 'the instances to finish their batches');
    // One change per user was made (and so published), however many sockets and instances.
    await expectOneChangeEach(burst);

    // A sentinel made after the burst: whatever the burst was to deliver came before it.
    await connectAll([sentinel1!], [parley.srv]);
    const sentinelHeard = (sub: Subscription<PresenceEventData>) => usersIn(sub).has(String(sentinel1));
    await until(() => [byEveryone, byHalf, byStranger].every(sentinelHeard), WAIT, 'the first sentinel');
    expect(byEveryone.events).toHaveLength(USERS + 1);
    expect(usersIn(byEveryone).size).toBe(USERS + 1);
    expect(byHalf.events).toHaveLength(USERS / 2 + 1);
    expect([...usersIn(byHalf)].sort()).toEqual([...burst.slice(0, USERS / 2), sentinel1!].map(String).sort());
    expect(statuses(byStranger.events)).toEqual([[String(sentinel1), 'ONLINE']]);
    expect(byEveryone.events.every((e) => e.presenceChanged.presence.status === 'ONLINE')).toBe(true);

    // The storm: every burst socket closes, every lease goes into its grace period, and all come back.
    await Promise.all(sockets.map((s) => s.close()));
    open.splice(0, open.length, ...open.filter((s) => !sockets.includes(s)));
    await until(async () => (await leasesIn(burst, 'released')) === 2 * USERS, WAIT, 'every lease released');
    const again = await connectAll(burst, instances);
    await until(async () => (await leasesIn(burst, 'held')) === 2 * USERS, WAIT, 'every lease held again');
    await until(() => instances.every((i) => i.server.presence.idle), WAIT, 'the instances to finish their batches');
    await expectOneChangeEach(burst);

    await connectAll([sentinel2!], [other]);
    await until(() => [byEveryone, byHalf, byStranger].every((sub) => usersIn(sub).has(String(sentinel2))), WAIT, 'the second sentinel');
    expect(byEveryone.events).toHaveLength(USERS + 2);
    expect(byHalf.events).toHaveLength(USERS / 2 + 2);
    expect(byStranger.events).toHaveLength(2);
    await Promise.all(again.map((s) => s.close()));
  }, 300_000);
});
