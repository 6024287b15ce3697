import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/db/client.js';
import { metrics } from '../src/observability/metrics.js';
import { errorOf, type GraphQLResponse } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { until } from './helpers/ws.js';
import type { TestServer } from './helpers/server.js';

/**
 * A chat's plain messages that come while the one before them is being written go together, in
 * one transaction (src/messages/chat-write-line.ts). A message id is its transaction's id × 256
 * plus its place in it (src/messages/message-log.ts), so the ids show which went together.
 */
const parley = useParley({ rateLimits: { message: [{ points: 6, seconds: 3600 }] } });

// Connections that hold locks while the test watches from another.
const holder = connectDatabase(inject('databaseUrl'), { max: 4 });
afterAll(() => holder.close());

const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id chatId content clientMessageId } }`;
type Sent = GraphQLResponse<{ sendMessage: { id: string; chatId: string; content: string; clientMessageId: string | null } }>;
const transactionOf = (id: string) => BigInt(id) / 256n;

/** Holds a chat's lock from a connection of the test's own, as a writer of that chat would. */
async function holdChat(chatId: string) {
  const conn = await holder.sql.reserve();
  await conn`select pg_advisory_lock(1, ${Number(chatId)})`;
  return {
    /** Resolves once a writer of the chat is waiting for the lock in PostgreSQL. */
    writerWaits: () =>
      until(
        async () => (await conn`select 1 from pg_locks where locktype = 'advisory' and classid = 1 and objid = ${Number(chatId)} and not granted`).length > 0,
        10_000,
        'a writer waiting for the chat',
      ),
    async release() {
      await conn`select pg_advisory_unlock(1, ${Number(chatId)})`;
      conn.release();
    },
  };
}

const waiting = async () => (await metrics.messagesWaiting.get()).values[0]?.value ?? 0;

/** Sends one more into `sent`, and resolves once `n` messages wait in their chats' lines. */
async function sendUntilWaiting(sent: Promise<Sent>[], send: () => Promise<Sent>, n: number): Promise<void> {
  sent.push(send());
  await until(async () => (await waiting()) === n, 10_000, `${n} messages waiting`);
}

/** The chat's messages from people (not the system's), oldest first: their texts. */
const storedContents = async (chatId: string) =>
  (await parley.db.sql`select content from messages where chat_id = ${Number(chatId)} and message_type <> 'SYSTEM' order by id`).map((m) => m.content as string);

/**
 * Sends `first` while the chat is held, so that it waits in PostgreSQL, then `rest` one by one,
 * each once the one before it waits in the chat's line; then lets the chat go.
 */
async function sendBehindOne(chatId: string, first: () => Promise<Sent>, rest: (() => Promise<Sent>)[]): Promise<Sent[]> {
  const held = await holdChat(chatId);
  const answers: Promise<Sent>[] = [];
  try {
    answers.push(first());
    await held.writerWaits();
    for (const [i, send] of rest.entries()) await sendUntilWaiting(answers, send, i + 1);
  } finally {
    await held.release();
  }
  return Promise.all(answers);
}

/** A second instance that writes one batch at a time however long it takes (no stall time), started once. */
let patient: Promise<TestServer> | undefined;
const patientInstance = () => (patient ??= parley.newInstance({ messageWrites: { batchesAtOnce: 1, stalledMs: 60_000 } }));

const text = (from: Actor, chatId: string, content: string, more: Record<string, unknown> = {}) => () =>
  from.gql(SEND, { i: { chatId, content, ...more } }) as Promise<Sent>;

describe("a chat's messages written together", () => {
  it('writes the messages that came while one was written in one transaction, in the order they came, each delivered once', async () => {
    const [owner, a, b, reader] = await parley.newUsers(4, 'B');
    const chat = await parley.newGroup(owner!, [a!, b!, reader!]);
    const feed = await reader!.subscribe(`subscription($c: ID!) { messageAdded(chatId: $c) { id content } }`, { c: chat });
    const before = (await metrics.messageBatches.get()).values;

    const answers = await sendBehindOne(chat, text(owner!, chat, 'first'), [
      text(a!, chat, 'a1'),
      text(b!, chat, 'b1'),
      text(a!, chat, 'a2'),
      text(owner!, chat, 'o1'),
    ]);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const ids = answers.map((r) => r.data!.sendMessage.id);
    const [first, ...together] = ids;
    // One transaction for the four that waited, after the first's.
    expect(new Set(together.map(transactionOf)).size).toBe(1);
    expect(transactionOf(together[0]!)).toBeGreaterThan(transactionOf(first!));
    // In the order they came.
    expect([...ids].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))).toEqual(ids);

    // Every message reaches the subscriber once, in that order: a last message is the sentinel.
    const last = await owner!.send(chat, 'last');
    await feed.waitFor(ids.length + 1);
    expect(feed.events.map((e) => e.messageAdded.id)).toEqual([...ids, last.id]);
    expect(feed.events.map((e) => e.messageAdded.content)).toEqual(['first', 'a1', 'b1', 'a2', 'o1', 'last']);

    // The histogram counts the batches: one of one, one of four, one of one.
    const after = (await metrics.messageBatches.get()).values;
    const delta = (name: string) => (after.find((v) => v.metricName === name)?.value ?? 0) - (before.find((v) => v.metricName === name)?.value ?? 0);
    expect(delta('parley_message_batch_size_count')).toBe(3);
    expect(delta('parley_message_batch_size_sum')).toBe(6);
  });

  it("writes the messages of several chats that came while a batch was written in one transaction, each chat's in the order they came, each delivered once", async () => {
    const [owner, a, b, reader] = await parley.newUsers(4, 'S');
    const [x, y] = [await parley.newGroup(owner!, [a!, b!, reader!]), await parley.newGroup(owner!, [a!, b!, reader!])];
    const feed = await reader!.subscribe(`subscription { messageAdded { id chatId content } }`);
    // One batch at a time, however long it takes: while chat x's first waits for x, the rest wait for the batch.
    const patient = await patientInstance();
    const [o, aa, bb] = [owner!.on(patient), a!.on(patient), b!.on(patient)];
    const answers = await sendBehindOne(x, text(o, x, 'x0'), [text(aa, y, 'y1'), text(bb, x, 'x1'), text(o, y, 'y2'), text(aa, x, 'x2')]);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const [x0, y1, x1, y2, x2] = answers.map((r) => r.data!.sendMessage.id);
    expect(new Set([y1, x1, y2, x2].map((id) => transactionOf(id!))).size).toBe(1);
    expect(transactionOf(y1!)).toBeGreaterThan(transactionOf(x0!));
    // Each chat's in the order they came; the log's order is the ids'.
    const byId = (ids: string[]) => [...ids].sort((p, q) => (BigInt(p) < BigInt(q) ? -1 : 1));
    expect(byId([x0!, x1!, x2!])).toEqual([x0, x1, x2]);
    expect(byId([y1!, y2!])).toEqual([y1, y2]);
    const last = await owner!.send(x, 'last');
    await feed.waitFor(6);
    expect(feed.events.map((e) => e.messageAdded.id)).toEqual([...byId([x0!, y1!, x1!, y2!, x2!]), last.id]);
    const contents = new Map(answers.map((r) => [r.data!.sendMessage.id, r.data!.sendMessage.content]));
    expect(feed.events.slice(0, 5).map((e) => e.messageAdded.content)).toEqual(byId([...contents.keys()]).map((id) => contents.get(id)));
  });

  it("answers a budget's refusal in a batch of several chats to its sender alone: every other message is stored, each once", async () => {
    const [owner, spent, c] = await parley.newUsers(3, 'U');
    const [x, y, z] = [await parley.newGroup(owner!, [spent!, c!]), await parley.newGroup(owner!, [spent!, c!]), await parley.newGroup(owner!, [spent!, c!])];
    // The budget is 6 messages an hour.
    for (let i = 0; i < 6; i++) await spent!.send(x, `spent ${i}`);
    const patient = await patientInstance();
    const [o, sp, cc] = [owner!.on(patient), spent!.on(patient), c!.on(patient)];
    const [first, refused, other, third] = await sendBehindOne(x, text(o, x, 'first'), [text(sp, y, 'one too many'), text(cc, z, 'c1'), text(o, y, 'o1')]);
    expect(errorOf(refused!).code).toBe('RATE_LIMITED');
    for (const ok of [first, other, third]) expect(ok!.errors).toBeUndefined();
    // The refusal rolled the batch back; each chat's messages were then written apart.
    expect(transactionOf(other!.data!.sendMessage.id)).not.toBe(transactionOf(third!.data!.sendMessage.id));
    expect(await storedContents(y)).toEqual(['o1']);
    expect(await storedContents(z)).toEqual(['c1']);
    const logged = await parley.db.sql`select count(*)::int as n from chat_log e join messages m on m.id = e.message_id where e.chat_id in ${parley.db.sql([Number(y), Number(z)])} and e.kind = 'MESSAGE_ADDED' and m.message_type <> 'SYSTEM'`;
    expect(logged[0]!.n).toBe(2);
  });

  it("lets other chats' messages go while a batch waits for a lock past the stall time", async () => {
    const [owner, a] = await parley.newUsers(2, 'T');
    const [x, y] = [await parley.newGroup(owner!, [a!]), await parley.newGroup(owner!, [a!])];
    const held = await holdChat(x);
    let waited: Promise<Sent>;
    try {
      waited = text(owner!, x, 'held')();
      await held.writerWaits();
      // The one batch at a time is taken, by a batch that waits for x: y's message goes anyway.
      const other = await text(a!, y, 'goes')();
      expect(other.errors).toBeUndefined();
      expect(await storedContents(x)).toEqual([]);
    } finally {
      await held.release();
    }
    expect((await waited).errors).toBeUndefined();
    expect(await storedContents(x)).toEqual(['held']);
  });

  it('delivers bursts to one chat through two instances to readers on both: every message once, in one order', async () => {
    const other = await parley.newInstance();
    const writers = await parley.newUsers(4, 'M');
    const readers = await parley.newUsers(2, 'N');
    const chat = await parley.newGroup(writers[0]!, [...writers.slice(1), ...readers]);
    const ADDED = `subscription($c: ID!) { messageAdded(chatId: $c) { id } }`;
    const feeds = [await readers[0]!.subscribe(ADDED, { c: chat }), await readers[1]!.subscribe(ADDED, { c: chat }, other)];
    // Five at once from each writer, half of them through the other instance.
    const answers = await Promise.all(
      writers.flatMap((w, i) => Array.from({ length: 5 }, (_, k) => (i % 2 ? w.on(other) : w).gql(SEND, { i: { chatId: chat, content: `${i}:${k}` } }) as Promise<Sent>)),
    );
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const sentinel = await writers[0]!.send(chat, 'sentinel');
    // By the column, not the text output also named `id` ("996352" would sort after "1000704").
    const stored = (await parley.db.sql`select id::text from messages where chat_id = ${Number(chat)} and message_type <> 'SYSTEM' order by messages.id`).map((m) => m.id as string);
    expect(stored).toHaveLength(21);
    for (const feed of feeds) {
      await until(() => feed.events.some((e) => e.messageAdded.id === sentinel.id), 10_000, 'the sentinel');
      expect(feed.events.map((e) => e.messageAdded.id)).toEqual(stored);
    }
  });

  it('refuses a message of the batch that may not be written and stores the others', async () => {
    const [owner, a, outsider] = await parley.newUsers(3, 'R');
    const chat = await parley.newGroup(owner!, [a!]);
    const [first, mine, theirs, also] = await sendBehindOne(chat, text(owner!, chat, 'first'), [
      text(a!, chat, 'mine'),
      text(outsider!, chat, 'not theirs to send'),
      text(owner!, chat, 'also'),
    ]);
    expect(errorOf(theirs!).code).toBe('NOT_FOUND');
    for (const ok of [first, mine, also]) expect(ok!.errors).toBeUndefined();
    expect(transactionOf(mine!.data!.sendMessage.id)).toBe(transactionOf(also!.data!.sendMessage.id));
    expect(await storedContents(chat)).toEqual(['first', 'mine', 'also']);
  });

  it("answers a budget's refusal to its sender alone: the rest of the batch is stored, each once", async () => {
    const [owner, spent, c] = await parley.newUsers(3, 'L');
    const chat = await parley.newGroup(owner!, [spent!, c!]);
    // The budget is 6 messages an hour.
    for (let i = 0; i < 6; i++) await spent!.send(chat, `spent ${i}`);
    const [first, other, refused, third] = await sendBehindOne(chat, text(owner!, chat, 'first'), [
      text(c!, chat, 'c1'),
      text(spent!, chat, 'one too many'),
      text(owner!, chat, 'o1'),
    ]);
    expect(errorOf(refused!).code).toBe('RATE_LIMITED');
    for (const ok of [first, other, third]) expect(ok!.errors).toBeUndefined();
    // The refusal rolled the batch back; the others were then written alone.
    expect(transactionOf(other!.data!.sendMessage.id)).not.toBe(transactionOf(third!.data!.sendMessage.id));
    const stored = await parley.db.sql`select content from messages where chat_id = ${Number(chat)} and content in ('c1', 'o1', 'one too many') order by id`;
    expect(stored.map((m) => m.content)).toEqual(['c1', 'o1']);
    const logged = await parley.db.sql`select count(*)::int as n from chat_log e join messages m on m.id = e.message_id where e.chat_id = ${Number(chat)} and e.kind = 'MESSAGE_ADDED' and m.message_type <> 'SYSTEM'`;
    expect(logged[0]!.n).toBe(6 + 3);
  });

  it("writes two chats' batches with the same senders in opposite orders without a deadlock", async () => {
    const [x, y, z] = await parley.newUsers(3, 'D');
    const [chatA, chatB] = [await parley.newGroup(z!, [x!, y!]), await parley.newGroup(z!, [x!, y!])];
    // Each sender's budget rows exist once they have sent.
    await x!.send(chatA, 'hello');
    await y!.send(chatB, 'hello');
    // The writer holding a chat's lock is itself waiting for a lock.
    const stuck = async (chatId: string) =>
      (
        await parley.db.sql`select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.classid = 1 and l.objid = ${Number(chatId)} and l.granted and a.wait_event_type = 'Lock'`
      ).length > 0;
    const all: Promise<Sent>[] = [];
    const heldA = await holdChat(chatA);
    const heldB = await holdChat(chatB);
    const budget = await holder.sql.reserve();
    try {
      // Chat A's batch: x, then y. Chat B's: y, then x.
      all.push(text(z!, chatA, 'a0')());
      await heldA.writerWaits();
      await sendUntilWaiting(all, text(x!, chatA, 'a1'), 1);
      await sendUntilWaiting(all, text(y!, chatA, 'a2'), 2);
      all.push(text(z!, chatB, 'b0')());
      await heldB.writerWaits();
      await sendUntilWaiting(all, text(y!, chatB, 'b1'), 3);
      await sendUntilWaiting(all, text(x!, chatB, 'b2'), 4);
      // x's budget held elsewhere: chat A's batch waits for it first, then chat B's comes.
      await budget`begin`;
      await budget`select 1 from rate_limits where key like ${`message-%:${x!.id}`} for update`;
      await heldA.release();
      await until(() => stuck(chatA), 10_000, "chat A's batch waiting for x's budget");
      await heldB.release();
      await until(() => stuck(chatB), 10_000, "chat B's batch waiting");
    } finally {
      await budget`commit`;
      budget.release();
    }
    const answers = await Promise.all(all);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const [, a1, a2, , b1, b2] = answers.map((r) => transactionOf(r.data!.sendMessage.id));
    // Neither batch was rolled back: a deadlock would have had one written message by message.
    expect(a1).toBe(a2);
    expect(b1).toBe(b2);
  });

  it('answers each message of a batch whose connection is cut with a retryable error, stores none of them, and goes on', async () => {
    const [owner, a] = await parley.newUsers(2, 'F');
    const chat = await parley.newGroup(owner!, [a!]);
    const waiter = async () =>
      (await parley.db.sql`select pid from pg_locks where locktype = 'advisory' and classid = 1 and objid = ${Number(chat)} and not granted`)[0]?.pid as
        | number
        | undefined;
    const cut = (pid: number) => parley.db.sql`select pg_terminate_backend(${pid})`;
    const held = await holdChat(chat);
    const all: Promise<Sent>[] = [];
    try {
      all.push(text(owner!, chat, 'cut alone')());
      await held.writerWaits();
      await sendUntilWaiting(all, text(a!, chat, 'cut together 1'), 1);
      await sendUntilWaiting(all, text(owner!, chat, 'cut together 2'), 2);
      const first = (await waiter())!;
      await cut(first);
      // The first failed; the two behind it went together, and wait for the chat in their turn.
      let batch: number | undefined;
      await until(async () => (await waiting()) === 0 && (batch = await waiter()) !== undefined && batch !== first, 10_000, 'the batch waiting');
      await cut(batch!);
    } finally {
      await held.release();
    }
    for (const answer of await Promise.all(all)) {
      expect(answer.status).toBe(503);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: true });
    }
    // The line goes on: the chat's next message is written.
    await owner!.send(chat, 'after');
    expect(await storedContents(chat)).toEqual(['after']);
  });

  it('stores a message sent twice with one retry key in the batch once, and answers both with it', async () => {
    const [owner, a] = await parley.newUsers(2, 'K');
    const chat = await parley.newGroup(owner!, [a!]);
    const key = `retry-${Date.now()}`;
    const [, once, again] = await sendBehindOne(chat, text(owner!, chat, 'first'), [
      text(a!, chat, 'hello', { clientMessageId: key }),
      text(a!, chat, 'hello', { clientMessageId: key }),
    ]);
    expect(once!.errors).toBeUndefined();
    expect(again!.data!.sendMessage).toEqual(once!.data!.sendMessage);
    const stored = await parley.db.sql`select count(*)::int as n from messages where sender_id = ${Number(a!.id)} and client_message_id = ${key}`;
    expect(stored[0]!.n).toBe(1);
  });

  it("rolls the batch back when one message's retry key clashes with another chat's, and writes the rest alone", async () => {
    const [owner, a, b] = await parley.newUsers(3, 'X');
    const chat = await parley.newGroup(owner!, [a!, b!]);
    const elsewhere = await parley.newDirectChat(a!, owner!);
    const key = `clash-${Date.now()}`;
    // A message of a's with the key, in the other chat, written by a transaction still open.
    const open = await holder.sql.reserve();
    await open`begin`;
    await open`insert into messages (id, chat_id, sender_id, content, message_type, client_message_id)
               values ((pg_current_xact_id()::text)::bigint * 256, ${Number(elsewhere)}, ${Number(a!.id)}, 'elsewhere', 'TEXT', ${key})`;
    const all: Promise<Sent>[] = [];
    try {
      const held = await holdChat(chat);
      all.push(text(owner!, chat, 'first')());
      await held.writerWaits();
      await sendUntilWaiting(all, text(b!, chat, 'b1'), 1);
      await sendUntilWaiting(all, text(a!, chat, 'clashing', { clientMessageId: key }), 2);
      await held.release();
      // The batch's statement for a's message waits for the open transaction's key.
      await until(
        async () => (await open`select 1 from pg_stat_activity where wait_event = 'transactionid' and datname = current_database()`).length > 0,
        10_000,
        'the batch waiting on the key',
      );
    } finally {
      await open`commit`;
      open.release();
    }
    const [first, b1, clashing] = await Promise.all(all);
    expect(first!.errors).toBeUndefined();
    expect(b1!.errors).toBeUndefined();
    expect(errorOf(clashing!)).toEqual({ code: 'CONFLICT', field: 'clientMessageId' });
    expect(await storedContents(chat)).toEqual(['first', 'b1']);
  });
});
