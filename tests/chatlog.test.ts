import { describe, expect, it } from 'vitest';
import { errorOf, gql } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';

const parley = useParley();

const UPDATE = `__typename cursor chatId at
  ... on MessageAddedUpdate { message { id content } }
  ... on MessageEditedUpdate { message { id content } }
  ... on MessageDeletedUpdate { message { id content deletedAt } }
  ... on ReadMarkerUpdate { receipt { lastReadMessageId user { id } chat { id } } }
  ... on ChatChangedUpdate { kind user { id } chat { id name lastMessage { content } participants { user { id } } } }`;
const PAGE = `query($after: String!, $first: Int) { updates(after: $after, first: $first) { cursor hasMore updates { ${UPDATE} } } }`;

/**
 * A cursor past everything committed so far: settled first, since a transaction elsewhere on the
 * cluster may hold the mark behind this test's own chats (their entries would replay harmlessly).
 */
const cursorOf = async (viewer: Actor) => {
  await parley.settled();
  return (await viewer.must(`{ updateCursor }`)).updateCursor as string;
};

/** Every update after `after`, paging `first` at a time, and the cursor it ends at. */
async function allUpdates(viewer: Actor, after: string, first = 3) {
  await parley.settled();
  const updates: any[] = [];
  let cursor = after;
  for (;;) {
    const page = (await viewer.must(PAGE, { after: cursor, first })).updates;
    updates.push(...page.updates);
    cursor = page.cursor;
    if (!page.hasMore) return { updates, cursor };
  }
}

const summary = (u: any) =>
  u.__typename === 'ChatChangedUpdate' ? `${u.kind}:${u.user.id}` : u.__typename === 'ReadMarkerUpdate' ? `READ:${u.receipt.user.id}` : `${u.__typename}:${u.message.content}`;

describe('updates over HTTP', () => {
  it("pages a viewer's changes of every kind, in log order, each as of its entry", async () => {
    const [ana, ben, cy, dee, outsider] = await parley.newUsers(5, 'L');
    const group = await parley.newGroup(ana!, [ben!, cy!], 'Team');
    const start = { ben: await cursorOf(ben!), cy: await cursorOf(cy!), dee: await cursorOf(dee!), outsider: await cursorOf(outsider!) };

    const m1 = await ana!.send(group, 'first draft');
    await ana!.must(`mutation($id: ID!) { editMessage(id: $id, content: "final text") { id } }`, { id: m1.id });
    await ben!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: group });
    await ana!.must(`mutation($c: ID!) { renameChat(chatId: $c, name: "Team 2") { id } }`, { c: group });
    await ana!.must(`mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: group, u: [dee!.id] });
    await ana!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: cy!.id });
    const m2 = await ana!.send(group, 'after cy left');
    await ana!.must(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: m2.id });

    const forBen = await allUpdates(ben!, start.ben);
    expect(forBen.updates.map(summary)).toEqual([
      'MessageAddedUpdate:first draft',
      'MessageEditedUpdate:final text',
      `READ:${ben!.id}`,
      `RENAMED:${ana!.id}`,
      'MessageAddedUpdate:L0 renamed the group to "Team 2"',
      `PARTICIPANT_ADDED:${dee!.id}`,
      'MessageAddedUpdate:L0 added L3',
      `PARTICIPANT_REMOVED:${cy!.id}`,
      'MessageAddedUpdate:L0 removed L2',
      // A deleted message is a tombstone wherever it shows.
      'MessageAddedUpdate:null',
      'MessageDeletedUpdate:null',
    ]);
    expect(new Set(forBen.updates.map((u) => u.chatId))).toEqual(new Set([group]));
    const renamed = forBen.updates[3];
    expect(renamed.chat).toMatchObject({ name: 'Team 2', lastMessage: { content: 'final text' } });
    // Nothing more, and the cursor does not move back.
    const again = (await ben!.must(PAGE, { after: forBen.cursor })).updates;
    expect(again).toMatchObject({ updates: [], hasMore: false });

    // Cy hears everything up to her removal, and that she was removed, without the chat.
    const forCy = await allUpdates(cy!, start.cy);
    expect(forCy.updates.map(summary)).toEqual(forBen.updates.slice(0, 8).map(summary));
    expect(forCy.updates.at(-1).chat).toBeNull();
    // As of each entry: the chat as Cy's view of it was then.
    expect(forCy.updates[5].chat.participants.map((p: any) => p.user.id).sort()).toEqual([ana!.id, ben!.id, cy!.id, dee!.id].sort());

    // Dee hears from her joining on.
    const forDee = await allUpdates(dee!, start.dee, 100);
    expect(forDee.updates.map(summary)).toEqual(forBen.updates.slice(5).map(summary));
    expect((await allUpdates(outsider!, start.outsider)).updates).toEqual([]);
  });

  it('refuses bad cursors and page sizes', async () => {
    const [ana] = await parley.newUsers(1);
    const cursor = await cursorOf(ana!);
    for (const [vars, field] of [
      [{ after: 'nonsense' }, 'after'],
      [{ after: Buffer.from('log:1:x').toString('base64url') }, 'after'],
      [{ after: cursor, first: 0 }, 'first'],
      [{ after: cursor, first: 5000 }, 'first'],
    ] as const) {
      expect(errorOf(await ana!.gql(PAGE, vars))).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    expect(errorOf(await gql(parley.srv.url, `{ updateCursor }`)).code).toBe('UNAUTHENTICATED');
  });
});

describe('snapshots as of the change', () => {
  it('never shows a removed member anything posted after their removal', async () => {
    const [owner, stays, removed] = await parley.newUsers(3, 'S');
    const group = await parley.newGroup(owner!, [stays!, removed!], 'Before');
    const cursor = await cursorOf(removed!);
    const events = await removed!.subscribe(`subscription { chatUpdated { kind chat { name unreadCount lastMessage { content editedAt } participants { user { id } } } } }`);
    const before = await owner!.send(group, 'before the removal');
    // The owner keeps posting while removing.
    const posting = Promise.all(Array.from({ length: 10 }, (_, i) => owner!.send(group, `during ${i}`)));
    await owner!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: removed!.id });
    await posting;
    await owner!.send(group, 'after the removal');
    await owner!.must(`mutation($id: ID!) { editMessage(id: $id, content: "edited after the removal") { id } }`, { id: before.id });
    await owner!.must(`mutation($c: ID!) { renameChat(chatId: $c, name: "After") { id } }`, { c: group });

    const [removal] = await events.waitFor(1);
    expect(removal.chatUpdated.kind).toBe('PARTICIPANT_REMOVED');
    const snapshot = removal.chatUpdated.chat;
    expect(snapshot.name).toBe('Before');
    expect(snapshot.lastMessage.editedAt).toBeNull();
    expect(['before the removal', ...Array.from({ length: 10 }, (_, i) => `during ${i}`)]).toContain(snapshot.lastMessage.content);
    expect(snapshot.participants.map((p: any) => p.user.id)).toContain(removed!.id);

    // Replayed later, every entry is still as it was: no later edit, no later message.
    const { updates } = await allUpdates(removed!, cursor, 50);
    const texts = updates.filter((u) => u.message).map((u) => u.message.content);
    expect(texts).toContain('before the removal');
    expect(texts.join()).not.toMatch(/after the removal/);
    expect(updates.at(-1)).toMatchObject({ __typename: 'ChatChangedUpdate', kind: 'PARTICIPANT_REMOVED', chat: null });
  });
});

describe("a deleted group's history", () => {
  it('keeps only that its members left, over HTTP and in a replayed subscription', async () => {
    const [ana, ben] = await parley.newUsers(2, 'G');
    const cursor = await cursorOf(ben!);
    const group = await parley.newGroup(ana!, [ben!], 'Gone');
    await ana!.send(group, 'soon gone');
    await ben!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: group });
    await ben!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: group });
    await ana!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: group });
    await parley.settled();
    const expected = ['CREATED:' + ana!.id, 'PARTICIPANT_LEFT:' + ben!.id];
    const { updates } = await allUpdates(ben!, cursor, 50);
    expect(updates.map(summary)).toEqual(expected);
    const replayed = await ben!.subscribe(`subscription($a: String) { updates(after: $a) { ${UPDATE} } }`, { a: cursor });
    expect((await replayed.waitFor(2)).map((e) => summary(e.updates))).toEqual(expected);
  });
});

describe('the updates subscription', () => {
  it('replays after a cursor, then goes live; filters by chat; an outsider hears nothing', async () => {
    const [ana, ben, outsider, friend] = await parley.newUsers(4, 'P');
    const direct = await parley.newDirectChat(ana!, ben!);
    const other = await parley.newDirectChat(ana!, friend!);
    const cursor = await cursorOf(ben!);
    await ana!.send(direct, 'one');
    await ana!.send(other, 'not for ben');
    await ana!.send(direct, 'two');

    const all = await ben!.subscribe(`subscription($a: String) { updates(after: $a) { ${UPDATE} } }`, { a: cursor });
    const justDirect = await ben!.subscribe(`subscription($a: String, $c: ID) { updates(after: $a, chatId: $c) { ${UPDATE} } }`, { a: cursor, c: direct });
    const spy = await outsider!.subscribe(`subscription { updates { ${UPDATE} } }`);
    await all.waitFor(2);
    await ana!.send(direct, 'three');
    await ben!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: direct });

    const expected = ['MessageAddedUpdate:one', 'MessageAddedUpdate:two', 'MessageAddedUpdate:three', `READ:${ben!.id}`];
    expect((await all.waitFor(4)).map((e) => summary(e.updates))).toEqual(expected);
    expect((await justDirect.waitFor(4)).map((e) => summary(e.updates))).toEqual(expected);
    // Cursors grow along the stream.
    const cursors = all.events.map((e) => e.updates.cursor);
    expect(new Set(cursors).size).toBe(4);

    // A sentinel in the outsider's own chat: once it arrives, anything earlier would have.
    const theirs = await parley.newDirectChat(outsider!, friend!);
    await friend!.send(theirs, 'sentinel');
    expect((await spy.waitFor(2)).map((e) => summary(e.updates))).toEqual([`CREATED:${outsider!.id}`, 'MessageAddedUpdate:sentinel']);
    expect(all.events).toHaveLength(4);
  });

  it('refuses a chat filter the viewer is not in, and bad cursors', async () => {
    const [ana, ben, outsider] = await parley.newUsers(3);
    const direct = await parley.newDirectChat(ana!, ben!);
    const refused = outsider!.subscribe(`subscription($c: ID) { updates(chatId: $c) { cursor } }`, { c: direct });
    await expect(refused).rejects.toThrow(/NOT_FOUND/);
    await expect(ana!.subscribe(`subscription { updates(after: "nope") { cursor } }`)).rejects.toThrow(/BAD_USER_INPUT/);
    // An id never used is a message that does not exist, as one of a chat the viewer was never in is.
    await expect(ana!.subscribe(`subscription { messageAdded(after: "999999999999") { id } }`)).rejects.toThrow(/NOT_FOUND/);
  });
});

describe('resuming a subscription after a long absence', () => {
  it('replays a backlog longer than a subscriber holds at once, in order, then goes live', async () => {
    const [ben, ...senders] = await parley.newUsers(7, 'Backlog');
    const group = await parley.newGroup(senders[0]!, [ben!, ...senders.slice(1)], 'Backlog');
    const after = (await senders[0]!.send(group, 'seen')).id;
    // More messages than a subscriber's queue holds (1,000), each sender within its budget.
    const sent = await Promise.all(
      senders.map(async (s, i) => {
        const ids: string[] = [];
        for (let n = 0; n < 184; n++) ids.push((await s.send(group, `${i}-${n}`)).id);
        return ids;
      }),
    );
    const missed = sent.flat().sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const resumed = await ben!.subscribe(`subscription($a: ID) { messageAdded(after: $a) { id } }`, { a: after });
    const live = (await senders[0]!.send(group, 'live')).id;
    const events = await resumed.waitFor(missed.length + 1, 60_000);
    expect(events.map((e) => e.messageAdded.id)).toEqual([...missed, live]);
  }, 120_000);
});

describe('chatUpdated', () => {
  it('brings a new chat to each of its members, with the chat', async () => {
    const [ana, ben] = await parley.newUsers(2, 'N');
    const events = await ben!.subscribe(`subscription { chatUpdated { kind user { id } chat { id isGroup lastActivityAt participants { user { id } } } } }`);
    const direct = await parley.newDirectChat(ana!, ben!);
    const [created] = await events.waitFor(1);
    expect(created.chatUpdated).toMatchObject({ kind: 'CREATED', user: { id: ana!.id }, chat: { id: direct, isGroup: false } });
    expect(created.chatUpdated.chat.participants).toHaveLength(2);
  });
});

describe('contactUpdated', () => {
  it('replays what changed while away from a cursor, then goes live', async () => {
    const [ana, ben, cy] = await parley.newUsers(3, 'C');
    const cursor = (await ben!.must(`{ updateCursor }`)).updateCursor;
    // While Ben is away: two invitations.
    await ana!.must(`mutation($u: ID) { sendInvitation(userId: $u) { id } }`, { u: ben!.id });
    await cy!.must(`mutation($u: ID) { sendInvitation(userId: $u) { id } }`, { u: ben!.id });
    const events = await ben!.subscribe(`subscription($a: String) { contactUpdated(after: $a) { kind cursor contact { user { id } } } }`, { a: cursor });
    await ana!.must(`mutation($u: ID!) { blockUser(userId: $u) { id } }`, { u: ben!.id });
    const received = await events.waitFor(3);
    expect(received.map((e) => [e.contactUpdated.kind, e.contactUpdated.contact.user.id])).toEqual([
      ['INVITATION_RECEIVED', ana!.id],
      ['INVITATION_RECEIVED', cy!.id],
      ['INVITATION_CANCELLED', ana!.id],
    ]);
    expect(new Set(received.map((e) => e.contactUpdated.cursor)).size).toBe(3);
    await expect(ben!.subscribe(`subscription { contactUpdated(after: "bad") { kind } }`)).rejects.toThrow(/BAD_USER_INPUT/);
  });
});
