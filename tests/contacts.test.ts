import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { blockedAmong } from '../src/contacts/blocks.js';
import { chatLog, contacts, users, type ContactRow } from '../src/db/schema.js';
import { errorOf, gql, registerUser, uniqueEmail, type GraphQLResponse, type TestUser } from './helpers/graphql.js';
import { useServerAndDatabase } from './helpers/server.js';
import { statementsOf } from './helpers/statements.js';

const CONTACT = 'id status direction createdAt updatedAt user { id firstname lastname email }';
const SEND = `mutation($userId: ID, $email: String) { sendInvitation(userId: $userId, email: $email) { ${CONTACT} } }`;
const ACCEPT = `mutation($id: ID!) { acceptInvitation(id: $id) { ${CONTACT} } }`;
const DECLINE = `mutation($id: ID!) { declineInvitation(id: $id) { ${CONTACT} } }`;
const CANCEL = `mutation($id: ID!) { cancelInvitation(id: $id) }`;
const REMOVE = `mutation($userId: ID!) { removeContact(userId: $userId) }`;
const BLOCK = `mutation($userId: ID!) { blockUser(userId: $userId) { ${CONTACT} } }`;
const UNBLOCK = `mutation($userId: ID!) { unblockUser(userId: $userId) }`;
const CONTACTS = `query($status: ContactStatus) { contacts(status: $status) { ${CONTACT} } }`;
const INVITATIONS = `query($direction: ContactDirection) { invitations(direction: $direction) { ${CONTACT} } }`;
const SEARCH = `query($query: String!, $first: Int) { searchUsers(query: $query, first: $first) { id firstname lastname email } }`;

const env = useServerAndDatabase();

type Users<N extends number, R extends TestUser[] = []> = R['length'] extends N ? R : Users<N, [...R, TestUser]>;
/** `n` fresh users, registered in parallel. */
const users$ = <N extends number>(n: N, input: Parameters<typeof registerUser>[1] = {}) =>
  Promise.all(Array.from({ length: n }, () => registerUser(env.srv.url, input))) as Promise<Users<N>>;

function ok<T = Record<string, any>>(res: GraphQLResponse<T>): T {
  expect(res.errors).toBeUndefined();
  return res.data!;
}

const invite = (from: TestUser, to: TestUser) => gql(env.srv.url, SEND, { userId: to.id }, from.token);

/** Every entry either user owns about the other, keyed by owner. */
async function pairRows(a: TestUser, b: TestUser) {
  const [ia, ib] = [Number(a.id), Number(b.id)];
  const rows = await env.db.db
    .select()
    .from(contacts)
    .where(
      or(and(eq(contacts.userId, ia), eq(contacts.contactId, ib)), and(eq(contacts.userId, ib), eq(contacts.contactId, ia))),
    );
  return { rows, a: rows.find((r) => r.userId === ia), b: rows.find((r) => r.userId === ib) };
}

/** Every entry that names the user, on either side. */
async function rowsOf(u: TestUser): Promise<ContactRow[]> {
  const id = Number(u.id);
  return env.db.db.select().from(contacts).where(or(eq(contacts.userId, id), eq(contacts.contactId, id)));
}

async function befriend(a: TestUser, b: TestUser) {
  const sent = ok(await invite(a, b)).sendInvitation;
  const { b: entry } = await pairRows(a, b);
  ok(await gql(env.srv.url, ACCEPT, { id: String(entry!.id) }, b.token));
  return sent;
}

describe('invitations', () => {
  it('creates both entries, lists them per side, and accepting makes both contacts', async () => {
    const [a, b] = await users$(2);
    const sent = ok(await gql(env.srv.url, SEND, { email: b.email.toUpperCase() }, a.token)).sendInvitation;
    expect(sent).toMatchObject({ status: 'PENDING', direction: 'OUTGOING', user: { id: b.id, email: null } });

    const { a: aRow, b: bRow, rows } = await pairRows(a, b);
    expect(rows).toHaveLength(2);
    expect(aRow).toMatchObject({ id: Number(sent.id), status: 'PENDING', direction: 'OUTGOING' });
    expect(bRow).toMatchObject({ status: 'PENDING', direction: 'INCOMING' });

    const incoming = ok(await gql(env.srv.url, INVITATIONS, {}, b.token)).invitations;
    expect(incoming).toEqual([expect.objectContaining({ id: String(bRow!.id), direction: 'INCOMING', user: expect.objectContaining({ id: a.id }) })]);
    expect(ok(await gql(env.srv.url, INVITATIONS, { direction: 'OUTGOING' }, b.token)).invitations).toEqual([]);
    expect(ok(await gql(env.srv.url, INVITATIONS, { direction: 'OUTGOING' }, a.token)).invitations.map((c: any) => c.id)).toEqual([sent.id]);
    expect(ok(await gql(env.srv.url, INVITATIONS, { direction: 'INCOMING' }, a.token)).invitations).toEqual([]);

    const accepted = ok(await gql(env.srv.url, ACCEPT, { id: String(bRow!.id) }, b.token)).acceptInvitation;
    expect(accepted).toMatchObject({ id: String(bRow!.id), status: 'ACCEPTED', direction: 'INCOMING', user: { id: a.id, email: a.email } });
    const after = await pairRows(a, b);
    expect(after.a).toMatchObject({ status: 'ACCEPTED', direction: 'OUTGOING' });
    expect(after.b).toMatchObject({ status: 'ACCEPTED', direction: 'INCOMING' });

    // Both see each other, emails included, and no pending invitation remains.
    const aContacts = ok(await gql(env.srv.url, CONTACTS, { status: 'ACCEPTED' }, a.token)).contacts;
    expect(aContacts).toEqual([expect.objectContaining({ status: 'ACCEPTED', user: expect.objectContaining({ id: b.id, email: b.email }) })]);
    expect(ok(await gql(env.srv.url, CONTACTS, {}, b.token)).contacts.map((c: any) => c.user.id)).toEqual([a.id]);
    expect(ok(await gql(env.srv.url, CONTACTS, { status: 'PENDING' }, b.token)).contacts).toEqual([]);
    expect(ok(await gql(env.srv.url, INVITATIONS, {}, a.token)).invitations).toEqual([]);
  });

  it('accepts instead when the invitee invites the inviter back', async () => {
    const [a, b] = await users$(2);
    ok(await invite(a, b));
    const back = ok(await invite(b, a)).sendInvitation;
    expect(back).toMatchObject({ status: 'ACCEPTED', direction: 'INCOMING', user: { id: a.id, email: a.email } });
    const { rows, a: aRow, b: bRow } = await pairRows(a, b);
    expect(rows).toHaveLength(2);
    expect(aRow).toMatchObject({ status: 'ACCEPTED', direction: 'OUTGOING' });
    expect(bRow).toMatchObject({ id: Number(back.id), status: 'ACCEPTED', direction: 'INCOMING' });
  });

  it('declines for both sides, and a declined pair may be invited again by either side', async () => {
    const [a, b] = await users$(2);
    ok(await invite(a, b));
    const { b: bRow } = await pairRows(a, b);
    const declined = ok(await gql(env.srv.url, DECLINE, { id: String(bRow!.id) }, b.token)).declineInvitation;
    expect(declined).toMatchObject({ id: String(bRow!.id), status: 'DECLINED', direction: 'INCOMING', user: { id: a.id, email: null } });
    const after = await pairRows(a, b);
    expect(after.a).toMatchObject({ status: 'DECLINED', direction: 'OUTGOING' });
    expect(after.b).toMatchObject({ status: 'DECLINED', direction: 'INCOMING' });
    expect(ok(await gql(env.srv.url, INVITATIONS, {}, b.token)).invitations).toEqual([]);
    expect(ok(await gql(env.srv.url, CONTACTS, { status: 'DECLINED' }, a.token)).contacts.map((c: any) => c.user.id)).toEqual([b.id]);
    // Accepting a declined invitation is no longer possible.
    expect(errorOf(await gql(env.srv.url, ACCEPT, { id: String(bRow!.id) }, b.token)).code).toBe('NOT_FOUND');

    // The inviter tries again: both entries are pending again, same ids.
    expect(ok(await invite(a, b)).sendInvitation).toMatchObject({ id: String(after.a!.id), status: 'PENDING', direction: 'OUTGOING' });
    const again = await pairRows(a, b);
    expect(again.rows).toHaveLength(2);
    expect(again.b).toMatchObject({ id: bRow!.id, status: 'PENDING', direction: 'INCOMING' });
    ok(await gql(env.srv.url, DECLINE, { id: String(bRow!.id) }, b.token));

    // The one who declined may change their mind and invite in turn.
    expect(ok(await invite(b, a)).sendInvitation).toMatchObject({ status: 'PENDING', direction: 'OUTGOING' });
    const turned = await pairRows(a, b);
    expect(turned.a).toMatchObject({ status: 'PENDING', direction: 'INCOMING' });
    ok(await gql(env.srv.url, ACCEPT, { id: String(turned.a!.id) }, a.token));
    expect((await pairRows(a, b)).rows.map((r) => r.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
  });

  it('cancels for both sides', async () => {
    const [a, b] = await users$(2);
    const sent = ok(await invite(a, b)).sendInvitation;
    expect(ok(await gql(env.srv.url, CANCEL, { id: sent.id }, a.token)).cancelInvitation).toBe(true);
    expect((await pairRows(a, b)).rows).toEqual([]);
    expect(ok(await gql(env.srv.url, INVITATIONS, {}, b.token)).invitations).toEqual([]);
    expect(errorOf(await gql(env.srv.url, CANCEL, { id: sent.id }, a.token)).code).toBe('NOT_FOUND');
    // And the pair starts over cleanly.
    ok(await invite(a, b));
    expect((await pairRows(a, b)).rows).toHaveLength(2);
  });

  it('refuses a second invitation either way while one is pending, and inviting a contact', async () => {
    const [a, b, c] = await users$(3);
    ok(await invite(a, b));
    const before = (await pairRows(a, b)).rows;
    expect(errorOf(await invite(a, b))).toEqual({ code: 'CONFLICT', field: 'userId' });
    expect(errorOf(await gql(env.srv.url, SEND, { email: b.email }, a.token))).toEqual({ code: 'CONFLICT', field: 'email' });
    expect((await pairRows(a, b)).rows).toEqual(before);

    await befriend(a, c);
    expect(errorOf(await invite(a, c))).toEqual({ code: 'CONFLICT', field: 'userId' });
    expect(errorOf(await invite(c, a))).toEqual({ code: 'CONFLICT', field: 'userId' });
    expect((await pairRows(a, c)).rows.map((r) => r.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
  });
});

describe('removeContact', () => {
  it('ends the relationship for both, and answers false when there is none', async () => {
    const [a, b, c] = await users$(3);
    await befriend(a, b);
    expect(ok(await gql(env.srv.url, REMOVE, { userId: a.id }, b.token)).removeContact).toBe(true);
    expect((await pairRows(a, b)).rows).toEqual([]);
    expect(ok(await gql(env.srv.url, CONTACTS, {}, a.token)).contacts).toEqual([]);
    expect(ok(await gql(env.srv.url, REMOVE, { userId: a.id }, b.token)).removeContact).toBe(false);
    expect(ok(await gql(env.srv.url, REMOVE, { userId: '999999999' }, b.token)).removeContact).toBe(false);

    // A pending invitation is not a contact: it stays (cancel or decline end it).
    ok(await invite(a, c));
    const pending = (await pairRows(a, c)).rows;
    expect(ok(await gql(env.srv.url, REMOVE, { userId: c.id }, a.token)).removeContact).toBe(false);
    expect(ok(await gql(env.srv.url, REMOVE, { userId: a.id }, c.token)).removeContact).toBe(false);
    expect((await pairRows(a, c)).rows).toEqual(pending);
  });

  it('clears a declined pair', async () => {
    const [a, b] = await users$(2);
    ok(await invite(a, b));
    ok(await gql(env.srv.url, DECLINE, { id: String((await pairRows(a, b)).b!.id) }, b.token));
    expect(ok(await gql(env.srv.url, REMOVE, { userId: b.id }, a.token)).removeContact).toBe(true);
    expect((await pairRows(a, b)).rows).toEqual([]);
  });
});

describe('authorisation', () => {
  it('lets only the invitee accept or decline and only the inviter cancel; the rest is NOT_FOUND and changes nothing', async () => {
    const [a, b, c] = await users$(3);
    ok(await invite(a, b));
    const before = await pairRows(a, b);
    const inviterEntry = String(before.a!.id);
    const inviteeEntry = String(before.b!.id);

    const attempts: [string, string, TestUser][] = [
      // A third user, with either side's entry.
      [ACCEPT, inviteeEntry, c],
      [DECLINE, inviteeEntry, c],
      [CANCEL, inviteeEntry, c],
      [ACCEPT, inviterEntry, c],
      [DECLINE, inviterEntry, c],
      [CANCEL, inviterEntry, c],
      // The inviter accepting or declining, with their own entry or the invitee's.
      [ACCEPT, inviterEntry, a],
      [DECLINE, inviterEntry, a],
      [ACCEPT, inviteeEntry, a],
      [DECLINE, inviteeEntry, a],
      [CANCEL, inviteeEntry, a],
      // The invitee cancelling, with either entry.
      [CANCEL, inviteeEntry, b],
      [CANCEL, inviterEntry, b],
      [ACCEPT, inviterEntry, b],
    ];
    for (const [op, id, who] of attempts) {
      const res = await gql(env.srv.url, op, { id }, who.token);
      expect(errorOf(res), `${op} ${id} by ${who.id}`).toEqual({ code: 'NOT_FOUND', field: undefined });
      expect(res.data ?? null).toBeNull();
    }
    expect((await pairRows(a, b)).rows).toEqual(before.rows);
    expect(await rowsOf(c)).toEqual([]);
  });

  it('needs a viewer for every operation', async () => {
    const ops: [string, Record<string, unknown>][] = [
      [SEARCH, { query: 'a' }],
      [CONTACTS, {}],
      [INVITATIONS, {}],
      [SEND, { userId: '1' }],
      [ACCEPT, { id: '1' }],
      [DECLINE, { id: '1' }],
      [CANCEL, { id: '1' }],
      [REMOVE, { userId: '1' }],
      [BLOCK, { userId: '1' }],
      [UNBLOCK, { userId: '1' }],
    ];
    for (const [op, vars] of ops) expect(errorOf(await gql(env.srv.url, op, vars)).code, op).toBe('UNAUTHENTICATED');
  });
});

describe('bad input', () => {
  it.each([
    ['a malformed id', { userId: 'abc' }, 'BAD_USER_INPUT', 'userId'],
    ['a zero id', { userId: '0' }, 'BAD_USER_INPUT', 'userId'],
    ['neither userId nor email', {}, 'BAD_USER_INPUT', 'userId'],
    ['both userId and email', { userId: '1', email: 'x@example.com' }, 'BAD_USER_INPUT', 'email'],
    ['a malformed email', { email: 'not-an-email' }, 'BAD_USER_INPUT', 'email'],
    ['an empty email', { email: '' }, 'BAD_USER_INPUT', 'email'],
    ['an unknown user id', { userId: '999999999' }, 'NOT_FOUND', undefined],
    ['an unknown email', { email: uniqueEmail('nobody') }, 'NOT_FOUND', undefined],
  ])('sendInvitation refuses %s and writes nothing', async (_, vars, code, field) => {
    const a = await registerUser(env.srv.url);
    const res = await gql(env.srv.url, SEND, vars, a.token);
    expect(errorOf(res)).toEqual({ code, field });
    expect(res.data ?? null).toBeNull();
    expect(await rowsOf(a)).toEqual([]);
  });

  it('refuses inviting yourself, by id or by email', async () => {
    const a = await registerUser(env.srv.url);
    expect(errorOf(await gql(env.srv.url, SEND, { userId: a.id }, a.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(errorOf(await gql(env.srv.url, SEND, { email: ` ${a.email.toUpperCase()} ` }, a.token))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
    expect(await rowsOf(a)).toEqual([]);
  });

  it('refuses malformed and unknown entry ids', async () => {
    const a = await registerUser(env.srv.url);
    for (const op of [ACCEPT, DECLINE, CANCEL]) {
      expect(errorOf(await gql(env.srv.url, op, { id: 'abc' }, a.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(errorOf(await gql(env.srv.url, op, { id: '-1' }, a.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(errorOf(await gql(env.srv.url, op, { id: '99999999999' }, a.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(errorOf(await gql(env.srv.url, op, { id: '999999999' }, a.token)).code).toBe('NOT_FOUND');
    }
  });

  it('refuses malformed user ids and yourself for remove, block and unblock', async () => {
    const a = await registerUser(env.srv.url);
    for (const op of [REMOVE, BLOCK, UNBLOCK]) {
      expect(errorOf(await gql(env.srv.url, op, { userId: 'abc' }, a.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      expect(errorOf(await gql(env.srv.url, op, { userId: a.id }, a.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
    }
    expect(errorOf(await gql(env.srv.url, BLOCK, { userId: '999999999' }, a.token)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(env.srv.url, CONTACTS, { status: 'FRIENDS' }, a.token))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await rowsOf(a)).toEqual([]);
  });
});

describe('concurrency', () => {
  it('turns simultaneous cross-invitations into one accepted pair, never duplicates', async () => {
    const pairs = await Promise.all(Array.from({ length: 5 }, () => users$(2)));
    await Promise.all(
      pairs.map(async ([a, b]) => {
        const results = await Promise.all([invite(a, b), invite(b, a)]);
        for (const r of results) expect(r.errors).toBeUndefined();
        const statuses = results.map((r) => r.data!.sendInvitation.status).sort();
        // The first to commit invites; the second sees that invitation and accepts it.
        expect(statuses).toEqual(['ACCEPTED', 'PENDING']);
        const { rows, a: aRow, b: bRow } = await pairRows(a, b);
        expect(rows).toHaveLength(2);
        expect(aRow!.status).toBe('ACCEPTED');
        expect(bRow!.status).toBe('ACCEPTED');
        expect([aRow!.direction, bRow!.direction].sort()).toEqual(['INCOMING', 'OUTGOING']);
      }),
    );
  });

  it('lets one of several identical invitations through', async () => {
    const [a, b] = await users$(2);
    const results = await Promise.all([1, 2, 3, 4].map(() => invite(a, b)));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => errorOf(r).code === 'CONFLICT')).toHaveLength(3);
    expect((await pairRows(a, b)).rows).toHaveLength(2);
  });

  it('settles a simultaneous accept and cancel one way or the other', async () => {
    for (let i = 0; i < 3; i++) {
      const [a, b] = await users$(2);
      ok(await invite(a, b));
      const before = await pairRows(a, b);
      const [accepted, cancelled] = await Promise.all([
        gql(env.srv.url, ACCEPT, { id: String(before.b!.id) }, b.token),
        gql(env.srv.url, CANCEL, { id: String(before.a!.id) }, a.token),
      ]);
      const { rows } = await pairRows(a, b);
      if (accepted.errors) {
        expect(errorOf(accepted).code).toBe('NOT_FOUND');
        expect(cancelled.data!.cancelInvitation).toBe(true);
        expect(rows).toEqual([]);
      } else {
        expect(errorOf(cancelled).code).toBe('NOT_FOUND');
        expect(rows.map((r) => r.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
      }
    }
  });
});

describe('blocking', () => {
  it('ends an existing contact, hides the blocker, and keeps the blocked user from inviting', async () => {
    const [a, b] = await users$(2, { firstname: `Blk${randomBytes(4).toString('hex')}` });
    await befriend(a, b);
    const blocked = ok(await gql(env.srv.url, BLOCK, { userId: b.id }, a.token)).blockUser;
    expect(blocked).toMatchObject({ status: 'BLOCKED', direction: 'OUTGOING', user: { id: b.id, email: null } });
    const { rows, a: aRow } = await pairRows(a, b);
    expect(rows).toHaveLength(1);
    expect(aRow).toMatchObject({ id: Number(blocked.id), status: 'BLOCKED' });
    expect(ok(await gql(env.srv.url, CONTACTS, {}, b.token)).contacts).toEqual([]);
    expect(ok(await gql(env.srv.url, CONTACTS, { status: 'BLOCKED' }, a.token)).contacts.map((c: any) => c.user.id)).toEqual([b.id]);

    // The blocked user cannot find or invite the blocker; the block itself is not revealed.
    expect(ok(await gql(env.srv.url, SEARCH, { query: a.firstname }, b.token)).searchUsers.map((u: any) => u.id)).not.toContain(a.id);
    expect(ok(await gql(env.srv.url, SEARCH, { query: a.email }, b.token)).searchUsers).toEqual([]);
    expect(errorOf(await invite(b, a))).toEqual({ code: 'NOT_FOUND', field: undefined });
    expect(errorOf(await gql(env.srv.url, SEND, { email: a.email }, b.token))).toEqual({ code: 'NOT_FOUND', field: undefined });
    // The blocker still finds the blocked user (to unblock them), but must unblock to invite.
    expect(ok(await gql(env.srv.url, SEARCH, { query: b.email }, a.token)).searchUsers.map((u: any) => u.id)).toEqual([b.id]);
    expect(errorOf(await invite(a, b))).toEqual({ code: 'CONFLICT', field: 'userId' });
    expect((await pairRows(a, b)).rows).toEqual(rows);

    // Blocking again changes nothing.
    expect(ok(await gql(env.srv.url, BLOCK, { userId: b.id }, a.token)).blockUser).toMatchObject({ id: blocked.id, status: 'BLOCKED' });

    expect(ok(await gql(env.srv.url, UNBLOCK, { userId: b.id }, a.token)).unblockUser).toBe(true);
    expect(ok(await gql(env.srv.url, UNBLOCK, { userId: b.id }, a.token)).unblockUser).toBe(false);
    expect((await pairRows(a, b)).rows).toEqual([]);
    expect(ok(await gql(env.srv.url, SEARCH, { query: a.email }, b.token)).searchUsers.map((u: any) => u.id)).toEqual([a.id]);
    expect(ok(await invite(b, a)).sendInvitation.status).toBe('PENDING');
  });

  it('ends pending invitations in both directions, and unblocking a stranger is false', async () => {
    const [a, b, c] = await users$(3);
    ok(await invite(a, b));
    ok(await invite(c, a));
    ok(await gql(env.srv.url, BLOCK, { userId: b.id }, a.token));
    ok(await gql(env.srv.url, BLOCK, { userId: c.id }, a.token));
    for (const other of [b, c]) {
      const { rows, a: aRow } = await pairRows(a, other);
      expect(rows).toHaveLength(1);
      expect(aRow!.status).toBe('BLOCKED');
    }
    expect(ok(await gql(env.srv.url, INVITATIONS, {}, b.token)).invitations).toEqual([]);
    expect(ok(await gql(env.srv.url, INVITATIONS, {}, c.token)).invitations).toEqual([]);
    expect(ok(await gql(env.srv.url, UNBLOCK, { userId: a.id }, b.token)).unblockUser).toBe(false);
  });

  it('keeps both blocks when both sides block, and reports blocks either way', async () => {
    const [a, b, c] = await users$(3);
    ok(await gql(env.srv.url, BLOCK, { userId: b.id }, a.token));
    ok(await gql(env.srv.url, BLOCK, { userId: a.id }, b.token));
    const { a: aRow, b: bRow } = await pairRows(a, b);
    expect([aRow?.status, bRow?.status]).toEqual(['BLOCKED', 'BLOCKED']);

    const [ia, ib, ic] = [a, b, c].map((u) => Number(u.id));
    const isBlockedEitherWay = async (x: number, y: number) => (await blockedAmong(env.db.db, x, [y])).has(y);
    expect(await isBlockedEitherWay(ia!, ib!)).toBe(true);
    ok(await gql(env.srv.url, UNBLOCK, { userId: b.id }, a.token));
    expect(await isBlockedEitherWay(ia!, ib!)).toBe(true);
    expect(await isBlockedEitherWay(ib!, ia!)).toBe(true);
    await befriend(a, c);
    expect(await isBlockedEitherWay(ia!, ic!)).toBe(false);
    ok(await gql(env.srv.url, BLOCK, { userId: a.id }, c.token));
    expect(await isBlockedEitherWay(ia!, ic!)).toBe(true);
  });
});

describe('searchUsers', () => {
  const tag = () => `Sx${randomBytes(4).toString('hex')}`;
  const ids = (res: GraphQLResponse) => ok(res).searchUsers.map((u: any) => u.id);

  it('matches first or last name prefixes in any case, emails only exactly, never the viewer', async () => {
    const t = tag();
    const [viewer, ana, bea, other] = await Promise.all([
      registerUser(env.srv.url, { firstname: `${t}Viewer` }),
      registerUser(env.srv.url, { firstname: `${t}ana`, lastname: 'Lima' }),
      registerUser(env.srv.url, { firstname: 'Bea', lastname: `${t}Bea` }),
      registerUser(env.srv.url, { firstname: `x${t}`, lastname: `y${t}` }),
    ]);
    const search = (query: string, first?: number) => gql(env.srv.url, SEARCH, { query, first }, viewer!.token);

    // Ordered by first name: "Bea" before "Sx…".
    expect(ids(await search(t.toUpperCase()))).toEqual([bea!.id, ana!.id]);
    expect(ids(await search(`  ${t.toLowerCase()}A `))).toEqual([ana!.id]);
    expect(ids(await search(`${t}bea`))).toEqual([bea!.id]);
    // Not a substring search.
    expect(ids(await search(t.slice(1)))).toEqual([]);
    expect(ids(await search(`x${t}`))).toEqual([other!.id]);

    expect(ids(await search(ana!.email.toUpperCase()))).toEqual([ana!.id]);
    expect(ids(await search(ana!.email.slice(0, -1)))).toEqual([]);
    expect(ids(await search(ana!.email.split('@')[0]!))).toEqual([]);
    expect(ids(await search(viewer!.email))).toEqual([]);
  });

  it('shows emails only of accepted contacts', async () => {
    const t = tag();
    const [viewer, friend, pending, stranger] = await Promise.all(
      ['Viewer', 'Friend', 'Pending', 'Stranger'].map((n) => registerUser(env.srv.url, { firstname: `${t}${n}` })),
    );
    await befriend(viewer!, friend!);
    ok(await invite(viewer!, pending!));
    const found = ok(await gql(env.srv.url, SEARCH, { query: t }, viewer!.token)).searchUsers;
    expect(found).toEqual([
      { id: friend!.id, firstname: friend!.firstname, lastname: friend!.lastname, email: friend!.email },
      { id: pending!.id, firstname: pending!.firstname, lastname: pending!.lastname, email: null },
      { id: stranger!.id, firstname: stranger!.firstname, lastname: stranger!.lastname, email: null },
    ]);
  });

  it('treats %, _ and \\ literally', async () => {
    const t = tag();
    const [viewer, percent, underscore, backslash, plain] = await Promise.all(
      ['V', '%p', '_u', '\\b', 'ab'].map((suffix) => registerUser(env.srv.url, { firstname: `${t}${suffix}` })),
    );
    const search = async (query: string) => ids(await gql(env.srv.url, SEARCH, { query }, viewer!.token));
    expect(await search(`${t}%`)).toEqual([percent!.id]);
    expect(await search(`${t}_`)).toEqual([underscore!.id]);
    expect(await search(`${t}\\`)).toEqual([backslash!.id]);
    expect(await search(`${t}a`)).toEqual([plain!.id]);
    expect(await search('%')).not.toContain(plain!.id);
    expect(await search('_')).not.toContain(plain!.id);
  });

  it('returns 20 by default and caps first at 50', async () => {
    const t = tag();
    const viewer = await registerUser(env.srv.url);
    await env.db.db.insert(users).values(
      Array.from({ length: 55 }, (_, i) => ({
        firstname: `${t}${String(i).padStart(2, '0')}`,
        lastname: 'Many',
        email: uniqueEmail('many'),
        password: 'not-a-login',
      })),
    );
    const names = async (first?: number) =>
      ok(await gql(env.srv.url, SEARCH, { query: t, first }, viewer.token)).searchUsers.map((u: any) => u.firstname);
    const all = Array.from({ length: 55 }, (_, i) => `${t}${String(i).padStart(2, '0')}`);
    expect(await names()).toEqual(all.slice(0, 20));
    expect(await names(3)).toEqual(all.slice(0, 3));
    expect(await names(1000)).toEqual(all.slice(0, 50));
  });

  it('refuses a blank query and a first below 1', async () => {
    const viewer = await registerUser(env.srv.url);
    for (const query of ['', '   ']) {
      expect(errorOf(await gql(env.srv.url, SEARCH, { query }, viewer.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
    }
    expect(errorOf(await gql(env.srv.url, SEARCH, { query: 'x'.repeat(256) }, viewer.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
    for (const first of [0, -5]) {
      expect(errorOf(await gql(env.srv.url, SEARCH, { query: 'a', first }, viewer.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });
});

describe('contacts list', () => {
  it('lists 100 contacts with their users in a bounded number of statements', async () => {
    const t = `Qc${randomBytes(4).toString('hex')}`;
    const viewer = await registerUser(env.srv.url);
    const others = await env.db.db
      .insert(users)
      .values(
        Array.from({ length: 100 }, (_, i) => ({
          firstname: `${t}${String(i).padStart(3, '0')}`,
          lastname: 'Contact',
          email: uniqueEmail('contact'),
          password: 'not-a-login',
        })),
      )
      .returning({ id: users.id, email: users.email });
    const me = Number(viewer.id);
    await env.db.db.insert(contacts).values(
      others.flatMap((o) => [
        { userId: me, contactId: o.id, status: 'ACCEPTED' as const, direction: 'OUTGOING' as const },
        { userId: o.id, contactId: me, status: 'ACCEPTED' as const, direction: 'INCOMING' as const },
      ]),
    );

    const { statements, result: res } = await statementsOf(env.srv.server.database, () =>
      gql(env.srv.url, `{ contacts { id user { id firstname email } } }`, {}, viewer.token),
    );
    const list = ok(res).contacts;
    expect(list).toHaveLength(100);
    // Ordered by the other person's name, each with their email (accepted contacts).
    expect(list.map((c: any) => c.user.id)).toEqual(others.map((o) => String(o.id)));
    expect(list.map((c: any) => c.user.email)).toEqual(others.map((o) => o.email));
    // One statement for the entries, one batched for their users; email visibility comes
    // from the entries themselves.
    expect(statements).toBeLessThanOrEqual(2);
  });
});

describe('events', () => {
  /** The contact entries of the chat log about these users, in log order: committed changes only. */
  async function eventsFor(...us: TestUser[]) {
    const rows = await env.db.db
      .select()
      .from(chatLog)
      .where(and(eq(chatLog.kind, 'CONTACT_CHANGED'), inArray(chatLog.userId, us.map((u) => Number(u.id)))))
      .orderBy(asc(chatLog.xid), asc(chatLog.id));
    return rows.map((r) => {
      const data = r.data as { kind: string; contact: { id: number } & Record<string, unknown> };
      return { type: 'contact.updated', kind: data.kind, contactId: data.contact.id, ownerId: r.userId!, contact: data.contact };
    });
  }

  it('logs each change for the other side, with the change, and nothing for failures', async () => {
    const [a, b, c, d] = await users$(4);
    const sent = ok(await invite(a, b)).sendInvitation;
    const [first] = await eventsFor(a, b);
    const { b: bRow } = await pairRows(a, b);
    expect(first).toMatchObject({ type: 'contact.updated', kind: 'INVITATION_RECEIVED', contactId: bRow!.id, ownerId: Number(b.id) });
    // Logged with the change: the entry it names is there.
    expect(await env.db.db.select().from(contacts).where(eq(contacts.id, first!.contactId))).toHaveLength(1);

    // Failures publish nothing: after these, the next event for a or b is the accept.
    expect(errorOf(await invite(a, b)).code).toBe('CONFLICT');
    expect(errorOf(await gql(env.srv.url, ACCEPT, { id: sent.id }, a.token)).code).toBe('NOT_FOUND');
    expect(errorOf(await gql(env.srv.url, CANCEL, { id: String(bRow!.id) }, c.token)).code).toBe('NOT_FOUND');
    ok(await gql(env.srv.url, ACCEPT, { id: String(bRow!.id) }, b.token));
    expect((await eventsFor(a, b)).slice(1)).toMatchObject([
      { type: 'contact.updated', kind: 'INVITATION_ACCEPTED', contactId: Number(sent.id), ownerId: Number(a.id), contact: { status: 'ACCEPTED' } },
    ]);

    ok(await gql(env.srv.url, REMOVE, { userId: b.id }, a.token));
    expect((await eventsFor(a, b)).slice(2)).toMatchObject([
      { type: 'contact.updated', kind: 'CONTACT_REMOVED', contactId: bRow!.id, ownerId: Number(b.id), contact: { id: bRow!.id, userId: Number(b.id), contactId: Number(a.id) } },
    ]);

    // Decline: the inviter hears of it with their own (still existing) entry.
    const again = ok(await invite(d, c)).sendInvitation;
    const cEntry = (await pairRows(d, c)).b!;
    ok(await gql(env.srv.url, DECLINE, { id: String(cEntry.id) }, c.token));
    expect((await eventsFor(d, c)).map((e) => [e.kind, e.ownerId, e.contactId])).toEqual([
      ['INVITATION_RECEIVED', Number(c.id), cEntry.id],
      ['INVITATION_DECLINED', Number(d.id), Number(again.id)],
    ]);

    // Cancel: the invitee hears of it with the id of their deleted entry.
    ok(await invite(d, c));
    ok(await gql(env.srv.url, CANCEL, { id: again.id }, d.token));
    expect((await eventsFor(d, c)).slice(2).map((e) => [e.kind, e.ownerId, e.contactId])).toEqual([
      ['INVITATION_RECEIVED', Number(c.id), cEntry.id],
      ['INVITATION_CANCELLED', Number(c.id), cEntry.id],
    ]);
  });

  it('tells a blocked user only what an ordinary removal would', async () => {
    const [a, b] = await users$(2);
    await befriend(a, b);
    const { b: bRow } = await pairRows(a, b);
    await eventsFor(a, b);
    ok(await gql(env.srv.url, BLOCK, { userId: b.id }, a.token));
    ok(await gql(env.srv.url, UNBLOCK, { userId: b.id }, a.token));
    ok(await invite(a, b));
    const events = await eventsFor(a, b);
    expect(events.map((e) => [e.kind, e.ownerId])).toEqual([
      ['INVITATION_RECEIVED', Number(b.id)],
      ['INVITATION_ACCEPTED', Number(a.id)],
      ['CONTACT_REMOVED', Number(b.id)],
      ['INVITATION_RECEIVED', Number(b.id)],
    ]);
    expect(events[2]!.contactId).toBe(bRow!.id);
  });
});
