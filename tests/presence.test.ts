import { describe, expect, inject, it } from 'vitest';
import { errorOf, gql } from './helpers/graphql.js';
import { leasesOf, openSocket, PRESENCE_CHANGED, statuses, storedPresence, type PresenceEventData } from './helpers/presence.js';
import { befriend, useParley, type Actor } from './helpers/scenario.js';
import { startServer, type TestServer } from './helpers/server.js';
import { proxyDatabase } from './helpers/tcp-proxy.js';
import { until } from './helpers/ws.js';

/**
 * Presence across two instances on one database, with a short grace period, lease and
 * coalescing window. Every "nothing else arrived" is proven by a later event of the same user
 * (changes of one user are never reordered) or of another user whose change was made after.
 */
const presence = { graceMs: 1500, leaseMs: 6000, flushMs: 100, coalesceMs: 400 };
const parley = useParley({ presence });

const PRESENCE_OF = `query($id: ID!) { user(id: $id) { presence { status lastSeenAt } } }`;
const SET_AWAY = `mutation($a: Boolean!) { setAway(away: $a) { status lastSeenAt } }`;
const PRIVACY = `mutation($l: Audience!) { updatePrivacy(input: { lastSeen: $l }) { lastSeen } }`;
const WAIT = 30_000;

const presenceOf = async (viewer: Actor, user: Actor) => (await viewer.must(PRESENCE_OF, { id: user.id })).user.presence;
const connect = (user: Actor, server: TestServer = parley.srv) => openSocket(server.wsUrl, user.token);
const watch = (user: Actor, server?: TestServer) => user.subscribe<PresenceEventData>(PRESENCE_CHANGED, {}, server);

/** Waits until the database says the user is online (or not). */
const untilStored = (user: Actor, online: boolean) =>
  until(async () => (await storedPresence(parley.db, user.id))?.online === online, WAIT, `${user.firstname} ${online ? 'online' : 'offline'}`);

describe('presence', () => {
  it('is ONLINE while a socket is open, AWAY by setAway, and OFFLINE once the grace period has passed, across instances', async () => {
    const other = await parley.newInstance({ presence });
    const [ana, ben] = await parley.newUsers(2, 'P');
    await befriend(ana!, ben!);
    expect(await presenceOf(ben!, ana!)).toEqual({ status: 'OFFLINE', lastSeenAt: null });
    const seen = await watch(ben!, other);

    // A socket on one instance; the contact listens on the other.
    const socket = await connect(ana!);
    await seen.waitFor(1, WAIT);
    expect(statuses(seen.events)).toEqual([[ana!.id, 'ONLINE']]);
    expect(seen.events[0]!.presenceChanged.presence.lastSeenAt).toBeNull();
    expect(await presenceOf(ben!.on(other), ana!)).toEqual({ status: 'ONLINE', lastSeenAt: null });

    expect((await ana!.on(other).must(SET_AWAY, { a: true })).setAway).toEqual({ status: 'AWAY', lastSeenAt: null });
    await seen.waitFor(2, WAIT);
    expect((await ana!.must(SET_AWAY, { a: false })).setAway.status).toBe('ONLINE');
    await seen.waitFor(3, WAIT);
    expect(statuses(seen.events).map(([, s]) => s)).toEqual(['ONLINE', 'AWAY', 'ONLINE']);

    const closedAt = Date.now();
    await socket.close();
    await seen.waitFor(4, WAIT);
    const offlineAt = Date.now();
    const offline = seen.events[3]!.presenceChanged;
    expect(offline).toMatchObject({ user: { id: ana!.id }, presence: { status: 'OFFLINE' } });
    // Not before the grace period ran out; last seen when the socket closed.
    expect(offlineAt - closedAt).toBeGreaterThanOrEqual(presence.graceMs - 50);
    const lastSeen = new Date(offline.presence.lastSeenAt!).getTime();
    expect(lastSeen).toBeGreaterThanOrEqual(closedAt - 1000);
    expect(lastSeen).toBeLessThanOrEqual(offlineAt);
    expect(await presenceOf(ben!, ana!)).toEqual(offline.presence);
    expect(await leasesOf(parley.db, ana!.id)).toEqual([]);
    // Going offline clears AWAY too: the flag is for a connected user.
    expect(await storedPresence(parley.db, ana!.id)).toMatchObject({ online: false, away: false });
  });

  it('stays ONLINE through a reconnect within the grace period, to another instance too', async () => {
    const other = await parley.newInstance({ presence });
    const [ana, ben] = await parley.newUsers(2, 'R');
    await befriend(ana!, ben!);
    const seen = await watch(ben!);
    const first = await connect(ana!);
    await seen.waitFor(1, WAIT);
    const before = await storedPresence(parley.db, ana!.id);

    await first.close();
    // This instance has released its lease: the grace period runs.
    const released = (l: { instanceId: string; spanMs: number }) => l.instanceId === parley.srv.server.instanceId && l.spanMs === presence.graceMs;
    await until(async () => (await leasesOf(parley.db, ana!.id)).some(released), WAIT, 'the lease released');
    const second = await connect(ana!, other);
    // The released lease expires and is swept: the moment she would have gone offline has passed.
    await until(async () => !(await leasesOf(parley.db, ana!.id)).some(released), WAIT, 'the released lease swept');
    expect(await leasesOf(parley.db, ana!.id)).toMatchObject([{ instanceId: other.server.instanceId, spanMs: presence.leaseMs, expired: false }]);
    expect(await storedPresence(parley.db, ana!.id)).toMatchObject({ online: true, away: false, version: before!.version });
    expect((await presenceOf(ben!, ana!)).status).toBe('ONLINE');

    // Her next change is the next thing Ben hears of her: no OFFLINE, no second ONLINE.
    await ana!.must(SET_AWAY, { a: true });
    await seen.waitFor(2, WAIT);
    expect(statuses(seen.events)).toEqual([
      [ana!.id, 'ONLINE'],
      [ana!.id, 'AWAY'],
    ]);
    await second.close();
  });

  it('coalesces: a user changing fast reaches subscribers at most once per window, ending on the newest state', async () => {
    const [ana, ben] = await parley.newUsers(2, 'C');
    await befriend(ana!, ben!);
    const seen = await watch(ben!);
    const socket = await connect(ana!);
    await seen.waitFor(1, WAIT);

    // Paced so that, without the window, each change would travel on its own.
    const started = Date.now();
    const toggles = 21;
    for (let i = 0; i < toggles; i++) {
      await ana!.must(SET_AWAY, { a: i % 2 === 0 });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const elapsed = Date.now() - started;
    expect((await storedPresence(parley.db, ana!.id))!.away).toBe(true);
    // Going offline comes after every one of them: it ends the sequence Ben hears.
    await socket.close();
    await until(() => seen.events.at(-1)?.presenceChanged.presence.status === 'OFFLINE', WAIT, 'OFFLINE');
    const during = seen.events.slice(1, -1).map((e) => e.presenceChanged.presence.status);
    // One delivery per window at the most (the last one up to a window after the last toggle),
    // each the newest state then; the last one AWAY.
    expect(during.length).toBeLessThanOrEqual(Math.ceil((elapsed + presence.coalesceMs) / presence.coalesceMs) + 1);
    expect(during.length).toBeLessThan(toggles);
    expect(during.at(-1)).toBe('AWAY');
    expect(statuses(seen.events).every(([id]) => id === ana!.id)).toBe(true);
  });

  it('setAway before connecting applies from the connection', async () => {
    const [ana, ben] = await parley.newUsers(2, 'A');
    await befriend(ana!, ben!);
    const seen = await watch(ben!);
    expect((await ana!.must(SET_AWAY, { a: true })).setAway).toEqual({ status: 'OFFLINE', lastSeenAt: null });
    const socket = await connect(ana!);
    await seen.waitFor(1, WAIT);
    expect(statuses(seen.events)).toEqual([[ana!.id, 'AWAY']]);
    expect((await ana!.must(`{ me { presence { status } } }`)).me.presence.status).toBe('AWAY');
    await socket.close();
  });

  it('is hidden by lastSeen: NOBODY from everyone but the user, CONTACTS from co-members who are not contacts', async () => {
    const [owner, contact, member, open] = await parley.newUsers(4, 'V');
    const hidden = await parley.newUser('Hidden', { privacy: { directMessages: 'EVERYONE', groupAdds: 'EVERYONE', lastSeen: 'NOBODY' } });
    const contactsOnly = await parley.newUser('ContactsOnly', { privacy: { directMessages: 'EVERYONE', groupAdds: 'EVERYONE' } });
    await owner!.must(PRIVACY, { l: 'EVERYONE' });
    await open!.must(PRIVACY, { l: 'EVERYONE' });
    for (const user of [hidden, contactsOnly, open!]) await befriend(user, contact!);
    const group = await parley.newGroup(owner!, [contact!, member!, hidden, contactsOnly, open!]);
    const byContact = await watch(contact!);
    const byMember = await watch(member!);

    const sockets = [await connect(hidden), await connect(contactsOnly)];
    await Promise.all([untilStored(hidden, true), untilStored(contactsOnly, true)]);
    // Made after theirs: `open` reaches everyone in the group, after anything of theirs would.
    sockets.push(await connect(open!));
    await byMember.waitFor(1, WAIT);
    await until(() => byContact.events.some((e) => e.presenceChanged.user.id === open!.id), WAIT, "the contact hears `open`");
    expect(statuses(byMember.events)).toEqual([[open!.id, 'ONLINE']]);
    expect(statuses(byContact.events).sort()).toEqual(
      [
        [contactsOnly.id, 'ONLINE'],
        [open!.id, 'ONLINE'],
      ].sort(),
    );

    // The same rule in queries, in any field that shows a user.
    expect(await presenceOf(contact!, hidden)).toBeNull();
    expect(await presenceOf(member!, hidden)).toBeNull();
    expect((await hidden.must(`{ me { presence { status } } }`)).me.presence.status).toBe('ONLINE');
    expect((await presenceOf(contact!, contactsOnly)).status).toBe('ONLINE');
    expect(await presenceOf(member!, contactsOnly)).toBeNull();
    const participants = (await member!.must(`query($c: ID!) { chat(id: $c) { participants { user { id presence { status } } } } }`, { c: group })).chat.participants;
    const shown = Object.fromEntries(participants.map((p: any) => [p.user.id, p.user.presence?.status ?? null]));
    expect(shown).toMatchObject({ [hidden.id]: null, [contactsOnly.id]: null, [open!.id]: 'ONLINE' });
    // Their own (their subscription's socket keeps them online).
    expect(shown[member!.id]).toBe('ONLINE');
    for (const s of sockets) await s.close();
  });

  it('never reaches a stranger, nor across a block either way', async () => {
    const [subject, blocker, blockedBySubject, bystander, later, stranger, strangersFriend] = await parley.newUsers(7, 'S');
    for (const u of [subject!, later!]) await u.must(PRIVACY, { l: 'EVERYONE' });
    await parley.newGroup(subject!, [blocker!, blockedBySubject!, bystander!, later!]);
    await befriend(stranger!, strangersFriend!);
    await blocker!.must(`mutation($u: ID!) { blockUser(userId: $u) { id } }`, { u: subject!.id });
    await subject!.must(`mutation($u: ID!) { blockUser(userId: $u) { id } }`, { u: blockedBySubject!.id });
    const byBlocker = await watch(blocker!);
    const byBlocked = await watch(blockedBySubject!);
    const byBystander = await watch(bystander!);
    const byStranger = await watch(stranger!);

    const sockets = [await connect(subject!)];
    await byBystander.waitFor(1, WAIT);
    await untilStored(subject!, true);
    // Sentinels, made after the subject's change: each subscriber's first event must be one of these.
    sockets.push(await connect(later!), await connect(strangersFriend!));
    await Promise.all([byBlocker.waitFor(1, WAIT), byBlocked.waitFor(1, WAIT), byStranger.waitFor(1, WAIT), byBystander.waitFor(2, WAIT)]);
    expect(statuses(byBlocker.events)).toEqual([[later!.id, 'ONLINE']]);
    expect(statuses(byBlocked.events)).toEqual([[later!.id, 'ONLINE']]);
    expect(statuses(byStranger.events)).toEqual([[strangersFriend!.id, 'ONLINE']]);
    expect(statuses(byBystander.events)).toEqual([
      [subject!.id, 'ONLINE'],
      [later!.id, 'ONLINE'],
    ]);
    expect(await presenceOf(blocker!, subject!)).toBeNull();
    expect(await presenceOf(stranger!, subject!)).toEqual({ status: 'ONLINE', lastSeenAt: null });
    for (const s of sockets) await s.close();
  });

  it('catches up with the changes made while an instance could not listen', async () => {
    const { proxy, url } = await proxyDatabase(inject('databaseUrl'));
    // Ben's instance reaches the database through the proxy; Ana's directly.
    const reader = await startServer({ presence }, url);
    try {
      const [ana, ben] = await parley.newUsers(2, 'L');
      await befriend(ana!, ben!);
      const seen = await watch(ben!, reader);
      await proxy.down();
      const socket = await connect(ana!);
      await untilStored(ana!, true);
      await proxy.up();
      await seen.waitFor(1, WAIT);
      expect(statuses(seen.events)).toEqual([[ana!.id, 'ONLINE']]);
      await socket.close();
    } finally {
      await reader.stop();
      await proxy.down();
    }
  });

  it('needs a signed-in user', async () => {
    expect(errorOf(await gql(parley.srv.url, SET_AWAY, { a: true })).code).toBe('UNAUTHENTICATED');
    const [ana] = await parley.newUsers(1, 'E');
    expect(errorOf(await ana!.gql(SET_AWAY, { a: 'yes' })).code).toBe('BAD_USER_INPUT');
    expect(await storedPresence(parley.db, ana!.id)).toBeNull();
  });
});
