import { and, eq, isNull, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatLog, chatParticipants, messageReactions, users } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { until } from './helpers/ws.js';

/** Long enough that one frame per reaction could not fit in the test's time, even on a slow machine. */
const INTERVAL_MS = 500;
const parley = useParley({ reactionUpdateIntervalMs: INTERVAL_MS });

const GROUPS = 'reactions { emoji count reactedByMe users { id } }';
const ADD = `mutation($m: ID!, $e: String!) { addReaction(messageId: $m, emoji: $e) { id ${GROUPS} } }`;
const REMOVE = `mutation($m: ID!, $e: String!) { removeReaction(messageId: $m, emoji: $e) { id ${GROUPS} } }`;
const MESSAGE = `query($c: ID!) { messages(chatId: $c, last: 1) { edges { node { id ${GROUPS} } } } }`;

/** Twenty-one different emoji. */
const EMOJI = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩'];

const stored = async (messageId: string) =>
  parley.db.db
    .select({ userId: messageReactions.userId, emoji: messageReactions.emoji })
    .from(messageReactions)
    .where(and(eq(messageReactions.messageId, Number(messageId)), isNull(messageReactions.removedLogId)));
/** Entries of one chat: other test files write to the same log meanwhile. */
const logSize = async (chatId: string) => (await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(chatLog).where(eq(chatLog.chatId, Number(chatId))))[0]!.n;
const totals = (groups: { emoji: string; count: number }[]) => Object.fromEntries(groups.map((g) => [g.emoji, g.count]));
const reactionsOf = async (viewer: Actor, chatId: string) => (await viewer.must(MESSAGE, { c: chatId })).messages.edges[0].node.reactions;

describe('addReaction and removeReaction', () => {
  it('group reactions by emoji, oldest first, with counts, reactors and reactedByMe; both are idempotent', async () => {
    const [ana, ben, cy] = await parley.newUsers(3, 'R');
    const group = await parley.newGroup(ana!, [ben!, cy!]);
    const m = await ana!.send(group, 'react to me');
    const before = await logSize(group);

    const first = (await ben!.must(ADD, { m: m.id, e: '👍' })).addReaction;
    expect(first).toEqual({ id: m.id, reactions: [{ emoji: '👍', count: 1, reactedByMe: true, users: [{ id: ben!.id }] }] });
    await cy!.must(ADD, { m: m.id, e: '🎉' });
    await cy!.must(ADD, { m: m.id, e: '👍' });
    // The same reaction again writes nothing.
    await cy!.must(ADD, { m: m.id, e: '👍' });
    expect(await logSize(group)).toBe(before + 3);

    expect(await reactionsOf(ben!, group)).toEqual([
      { emoji: '👍', count: 2, reactedByMe: true, users: [{ id: ben!.id }, { id: cy!.id }] },
      { emoji: '🎉', count: 1, reactedByMe: false, users: [{ id: cy!.id }] },
    ]);
    // users(first:) pages the reactors, oldest first.
    const firstOne = await ana!.must(`query($c: ID!) { messages(chatId: $c, last: 1) { edges { node { reactions { users(first: 1) { id } } } } } }`, { c: group });
    expect(firstOne.messages.edges[0].node.reactions[0].users).toEqual([{ id: ben!.id }]);

    const removed = (await ben!.must(REMOVE, { m: m.id, e: '👍' })).removeReaction;
    expect(totals(removed.reactions)).toEqual({ '👍': 1, '🎉': 1 });
    expect(removed.reactions[0].reactedByMe).toBe(false);
    // Removing what is not there writes nothing.
    await ben!.must(REMOVE, { m: m.id, e: '👍' });
    await ben!.must(REMOVE, { m: m.id, e: '🔥' });
    expect(await logSize(group)).toBe(before + 4);
    await cy!.must(REMOVE, { m: m.id, e: '🎉' });
    expect(await reactionsOf(ana!, group)).toEqual([{ emoji: '👍', count: 1, reactedByMe: false, users: [{ id: cy!.id }] }]);
    expect(await stored(m.id)).toEqual([{ userId: Number(cy!.id), emoji: '👍' }]);
  });

  it('takes exactly one emoji, stored in one form whichever way it was typed', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ana!.send(chatId, 'hi');
    for (const emoji of ['👍🏽', '👨‍👩‍👧‍👦', '🇵🇹', '#️⃣']) await ana!.must(ADD, { m: m.id, e: emoji });
    // A heart typed without the emoji variation selector is the same reaction as one with it.
    await ana!.must(ADD, { m: m.id, e: '\u2764' });
    await ben!.must(ADD, { m: m.id, e: '\u2764\uFE0F' });
    expect(totals(await reactionsOf(ana!, chatId))).toEqual({ '👍🏽': 1, '👨‍👩‍👧‍👦': 1, '🇵🇹': 1, '#️⃣': 1, '\u2764\uFE0F': 2 });

    const before = { rows: await stored(m.id), log: await logSize(chatId) };
    for (const emoji of ['', ' ', 'a', '1', '#', ':+1:', '👍👍', '👍 ', ' 👍', '\u200d', '👍'.repeat(40)]) {
      expect(errorOf(await ana!.gql(ADD, { m: m.id, e: emoji })), JSON.stringify(emoji)).toEqual({ code: 'BAD_USER_INPUT', field: 'emoji' });
      expect(errorOf(await ana!.gql(REMOVE, { m: m.id, e: emoji })), JSON.stringify(emoji)).toEqual({ code: 'BAD_USER_INPUT', field: 'emoji' });
    }
    expect(errorOf(await ana!.gql(ADD, { m: 'nope', e: '👍' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'messageId' });
    expect(errorOf(await ana!.gql(`query($c: ID!) { messages(chatId: $c) { edges { node { reactions { users(first: 0) { id } } } } } }`, { c: chatId }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect(await stored(m.id)).toEqual(before.rows);
    expect(await logSize(chatId)).toBe(before.log);
  });

  it('allows at most 20 different emoji on a message; the 21st is refused and nothing is written', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ana!.send(chatId, 'popular');
    for (const emoji of EMOJI.slice(0, 20)) await ana!.must(ADD, { m: m.id, e: emoji });
    const before = { rows: await stored(m.id), log: await logSize(chatId) };

    expect(errorOf(await ben!.gql(ADD, { m: m.id, e: EMOJI[20] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'emoji' });
    expect(await stored(m.id)).toEqual(before.rows);
    expect(await logSize(chatId)).toBe(before.log);
    // An emoji already there still takes more people; one gone makes room.
    await ben!.must(ADD, { m: m.id, e: EMOJI[0] });
    await ana!.must(REMOVE, { m: m.id, e: EMOJI[19] });
    await ben!.must(ADD, { m: m.id, e: EMOJI[20] });
    const groups = await reactionsOf(ben!, chatId);
    expect(groups).toHaveLength(20);
    expect(totals(groups)[EMOJI[0]!]).toBe(2);
  });

  it('is NOT_FOUND for outsiders and unknown messages, refused on deleted messages, and writes nothing', async () => {
    const [ana, ben, outsider] = await parley.newUsers(3);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const m = await ana!.send(chatId, 'private');
    await ben!.must(ADD, { m: m.id, e: '👍' });
    const before = { rows: await stored(m.id), log: await logSize(chatId) };
    expect(errorOf(await outsider!.gql(ADD, { m: m.id, e: '👍' })).code).toBe('NOT_FOUND');
    expect(errorOf(await outsider!.gql(REMOVE, { m: m.id, e: '👍' })).code).toBe('NOT_FOUND');
    expect(errorOf(await ana!.gql(ADD, { m: '999999999999', e: '👍' })).code).toBe('NOT_FOUND');
    expect(errorOf(await ana!.gql(ADD, { m: m.id }))).toEqual({ code: 'BAD_USER_INPUT', field: 'e' });
    expect(await stored(m.id)).toEqual(before.rows);
    expect(await logSize(chatId)).toBe(before.log);

    // Deleting the message takes its reactions out of storage.
    await ana!.must(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: m.id });
    const all = await parley.db.db.select().from(messageReactions).where(eq(messageReactions.messageId, Number(m.id)));
    expect(all).toEqual([]);
    expect(await reactionsOf(ben!, chatId)).toEqual([]);
    const afterDelete = await logSize(chatId);
    expect(errorOf(await ben!.gql(ADD, { m: m.id, e: '👍' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'messageId' });
    expect(await logSize(chatId)).toBe(afterDelete);
  });

  it('ends with exact counts when many people add and remove the same reaction at once', async () => {
    const people = await parley.newUsers(16, 'C');
    const [owner, ...rest] = people;
    const group = await parley.newGroup(owner!, rest);
    const m = await owner!.send(group, 'everyone at once');
    const before = await logSize(group);
    await Promise.all(
      people.map(async (p, i) => {
        // Each one adds 👍 three times at once, adds and removes 🎉, and every other one takes 👍 back.
        await Promise.all([p.gql(ADD, { m: m.id, e: '👍' }), p.gql(ADD, { m: m.id, e: '👍' }), p.gql(ADD, { m: m.id, e: '👍' }), p.gql(ADD, { m: m.id, e: '🎉' })]);
        await Promise.all([p.gql(REMOVE, { m: m.id, e: '🎉' }), i % 2 ? p.gql(REMOVE, { m: m.id, e: '👍' }) : p.gql(ADD, { m: m.id, e: '👍' })]);
      }),
    );
    const groups = await reactionsOf(owner!, group);
    expect(totals(groups)).toEqual({ '👍': 8 });
    expect(groups[0].reactedByMe).toBe(true);
    const rows = await stored(m.id);
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((r) => r.userId))).toEqual(new Set(people.filter((_, i) => i % 2 === 0).map((p) => Number(p.id))));
    // One entry per change that happened: 16 adds of 👍, 16 of 🎉, 16 removals of 🎉, 8 of 👍.
    expect(await logSize(group)).toBe(before + 56);
  });

  it('answers reactedByMe for reactors past the listed ones', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const group = await parley.newGroup(ana!, [ben!]);
    const m = await ana!.send(group, 'crowded');
    // A hundred earlier reactors, stored directly: making them through the API would take minutes.
    const crowd = await parley.db.db
      .insert(users)
      .values(Array.from({ length: 100 }, (_, i) => ({ firstname: `Crowd${i}`, lastname: 'X', email: `crowd-${m.id}-${i}@example.com`, password: 'x' })))
      .returning({ id: users.id });
    await parley.db.db.insert(chatParticipants).values(crowd.map((u) => ({ chatId: Number(group), userId: u.id })));
    await parley.db.db.insert(messageReactions).values(crowd.map((u) => ({ messageId: Number(m.id), userId: u.id, emoji: '👍', addedLogId: 1 })));
    await ana!.must(ADD, { m: m.id, e: '👍' });

    const [forAna] = await reactionsOf(ana!, group);
    const [forBen] = await reactionsOf(ben!, group);
    expect(forAna).toMatchObject({ count: 101, reactedByMe: true });
    expect(forAna.users).toHaveLength(10);
    expect(forBen).toMatchObject({ count: 101, reactedByMe: false });
    const hundred = await ana!.must(`query($c: ID!) { messages(chatId: $c, last: 1) { edges { node { reactions { users(first: 100) { id } } } } } }`, { c: group });
    expect(hundred.messages.edges[0].node.reactions[0].users.map((u: { id: string }) => Number(u.id))).toEqual(crowd.map((u) => u.id));
  });
});

const UPDATES = `subscription($c: ID, $a: String) { updates(chatId: $c, after: $a) {
  __typename cursor
  ... on ReactionsChangedUpdate { message { id reactions { emoji count } } }
  ... on MessageAddedUpdate { message { id content } }
} }`;
const PAGE = `query($a: String!, $n: Int) { updates(after: $a, first: $n) { cursor hasMore updates {
  __typename cursor
  ... on ReactionsChangedUpdate { message { id reactions { emoji count reactedByMe } } }
  ... on MessageAddedUpdate { message { id } }
  ... on ChatChangedUpdate { kind chat { id } }
} } }`;

/** Log positions, for checking order: cursors are opaque to clients, not to these tests. */
const position = (cursor: string) => Buffer.from(cursor, 'base64url').toString().split(':').slice(1).map(BigInt) as [bigint, bigint];
const before = (a: string, b: string) => {
  const [x, y] = [position(a), position(b)];
  return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
};

async function pages(viewer: Actor, after: string, first: number) {
  await parley.settled();
  const updates: any[] = [];
  let cursor = after;
  for (;;) {
    const page = (await viewer.must(PAGE, { a: cursor, n: first })).updates;
    updates.push(...page.updates);
    cursor = page.cursor;
    if (!page.hasMore) return { updates, cursor };
  }
}

describe('reaction updates', () => {
  it('reach a subscriber of a 500-reaction storm as a few frames per second, the last with the exact totals', async () => {
    const people = await parley.newUsers(25, 'S');
    const [owner, ...rest] = people;
    const group = await parley.newGroup(owner!, rest);
    const m = await owner!.send(group, 'storm');
    const watcher = await owner!.subscribe(UPDATES, { c: group });
    const started = Date.now();

    // 25 people × 20 emoji, everyone at once.
    await Promise.all(people.map(async (p) => {
      for (const e of EMOJI.slice(0, 20)) await p.must(ADD, { m: m.id, e });
    }));
    const exact = Object.fromEntries(EMOJI.slice(0, 20).map((e) => [e, 25]));
    const frames = () => watcher.events.map((e) => e.updates).filter((u) => u.__typename === 'ReactionsChangedUpdate');
    await until(() => JSON.stringify(totals(frames().at(-1)?.message.reactions ?? [])) === JSON.stringify(exact), 60_000, 'the exact totals');
    const elapsed = Date.now() - started;

    const received = frames();
    // At most one frame per interval (nothing else is happening in the chat), never one per reaction.
    expect(received.length).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 1);
    expect(received.length).toBeLessThan(500 / 2);
    for (let i = 1; i < received.length; i++) expect(before(received[i - 1].cursor, received[i].cursor)).toBe(true);

    // Nothing after the last frame's cursor is missing: resuming there brings no reaction change.
    const rest2 = await pages(owner!, received.at(-1).cursor, 200);
    expect(rest2.updates.filter((u) => u.__typename === 'ReactionsChangedUpdate')).toEqual([]);
  }, 120_000);

  it('keep log order with other updates: what is held goes out before anything later', async () => {
    const [ana, ben, cy] = await parley.newUsers(3, 'O');
    const group = await parley.newGroup(ana!, [ben!, cy!]);
    const m = await ana!.send(group, 'mixed');
    const watcher = await ana!.subscribe(UPDATES, { c: group });
    const sent: string[] = [];
    await Promise.all([
      (async () => {
        for (const e of EMOJI.slice(0, 10)) {
          await ben!.must(ADD, { m: m.id, e });
          await cy!.must(ADD, { m: m.id, e });
        }
      })(),
      (async () => {
        for (let i = 0; i < 5; i++) sent.push((await ana!.send(group, `during ${i}`)).id);
      })(),
    ]);
    const last = await ana!.send(group, 'sentinel');
    await until(() => watcher.events.some((e) => e.updates.message?.id === last.id), 30_000, 'the sentinel');
    const updates = watcher.events.map((e) => e.updates);
    for (let i = 1; i < updates.length; i++) expect(before(updates[i - 1].cursor, updates[i].cursor)).toBe(true);
    // (Without `after`, the stream may start a little before the first message.)
    const added = updates.filter((u) => u.__typename === 'MessageAddedUpdate' && BigInt(u.message.id) > BigInt(m.id));
    expect(added.map((u) => u.message.id)).toEqual([...sent, last.id]);
    // The sentinel came last, so the newest reaction frame before it carries the final totals.
    const frames = updates.filter((u) => u.__typename === 'ReactionsChangedUpdate');
    expect(totals(frames.at(-1).message.reactions)).toEqual(Object.fromEntries(EMOJI.slice(0, 10).map((e) => [e, 2])));
  });

  it('over HTTP, collapse a page to the newest totals of each message, and show reactions as of each entry', async () => {
    const [ana, ben, cy] = await parley.newUsers(3, 'H');
    const group = await parley.newGroup(ana!, [ben!, cy!]);
    const m = await ana!.send(group, 'as of');
    const start = { ana: (await ana!.must(`{ updateCursor }`)).updateCursor, cy: (await cy!.must(`{ updateCursor }`)).updateCursor };
    await ben!.must(ADD, { m: m.id, e: '👍' });
    await cy!.must(ADD, { m: m.id, e: '👀' });
    await ana!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: cy!.id });
    // After Cy's removal: nothing of this may reach her.
    await ben!.must(ADD, { m: m.id, e: '🎉' });
    await ben!.must(REMOVE, { m: m.id, e: '👍' });

    const reactionUpdates = (updates: any[]) => updates.filter((u) => u.__typename === 'ReactionsChangedUpdate').map((u) => totals(u.message.reactions));
    // One entry per page: every entry, each as of itself.
    expect(reactionUpdates((await pages(ana!, start.ana, 1)).updates)).toEqual([{ '👍': 1 }, { '👍': 1, '👀': 1 }, { '👀': 1, '🎉': 1, '👍': 1 }, { '👀': 1, '🎉': 1 }]);
    // One page: only the newest.
    expect(reactionUpdates((await pages(ana!, start.ana, 100)).updates)).toEqual([{ '👀': 1, '🎉': 1 }]);
    // Cy: up to her removal, as it was then.
    const forCy = (await pages(cy!, start.cy, 100)).updates;
    expect(reactionUpdates(forCy)).toEqual([{ '👍': 1, '👀': 1 }]);
    expect(forCy.find((u) => u.__typename === 'ReactionsChangedUpdate').message.reactions.map((g: any) => g.reactedByMe)).toEqual([false, true]);
    expect(forCy.at(-1)).toMatchObject({ __typename: 'ChatChangedUpdate', kind: 'PARTICIPANT_REMOVED', chat: null });
  });
});
