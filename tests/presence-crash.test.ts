import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leasesOf, openSocket, PRESENCE_CHANGED, statuses, type PresenceEventData } from './helpers/presence.js';
import { startServerProcess, wsUrlOf, type ServerProcess } from './helpers/process.js';
import { befriend, useParley } from './helpers/scenario.js';
import { productionProcessEnv } from './helpers/server.js';

/**
 * An instance that dies holds its users' leases; nobody releases them. They expire, another
 * instance sweeps them, and the users go offline, last seen at the lease's last renewal. The
 * dying instance is a server process of its own, killed with SIGKILL: nothing in it runs.
 */
const LEASE_MS = 3000;
const parley = useParley({ presence: { graceMs: 1000, leaseMs: LEASE_MS, flushMs: 100, coalesceMs: 300 } });
let doomed: ServerProcess;
let doomedWsUrl: string;

beforeAll(async () => {
  doomed = startServerProcess(
    productionProcessEnv({
      PRESENCE_LEASE_MS: String(LEASE_MS),
      PRESENCE_FLUSH_MS: '200',
      // Far longer than the lease: only the lease can end her presence here.
      PRESENCE_GRACE_MS: '600000',
    }),
  );
  doomedWsUrl = wsUrlOf((await doomed.listening).replace('localhost', '127.0.0.1'));
}, 120_000);

afterAll(() => doomed?.kill());

describe('presence when an instance dies', () => {
  it('ends in OFFLINE once the dead instance’s lease expires', async () => {
    const [ana, ben] = await parley.newUsers(2, 'K');
    await befriend(ana!, ben!);
    const seen = await ben!.subscribe<PresenceEventData>(PRESENCE_CHANGED);
    const socket = await openSocket(doomedWsUrl, ana!.token);
    await seen.waitFor(1, 30_000);
    expect(statuses(seen.events)).toEqual([[ana!.id, 'ONLINE']]);
    expect(await leasesOf(parley.db, ana!.id)).toMatchObject([{ spanMs: LEASE_MS, expired: false }]);

    const killedAt = Date.now();
    await doomed.kill();
    expect(doomed.child.signalCode).toBe('SIGKILL');
    await seen.waitFor(2, 30_000);
    const elapsed = Date.now() - killedAt;
    const offline = seen.events[1]!.presenceChanged;
    expect(offline).toMatchObject({ user: { id: ana!.id }, presence: { status: 'OFFLINE' } });
    // Within the lease (plus a sweep and a busy machine's delivery), not the 10-minute grace period.
    expect(elapsed).toBeLessThan(LEASE_MS + 5000);
    // Last seen at the lease's last renewal: a third of a lease (and a flush) before the kill at most.
    const lastSeen = new Date(offline.presence.lastSeenAt!).getTime();
    expect(lastSeen).toBeLessThanOrEqual(killedAt + 100);
    expect(lastSeen).toBeGreaterThan(killedAt - LEASE_MS);
    expect(await leasesOf(parley.db, ana!.id)).toEqual([]);
    socket.socket.terminate();
  });
});
