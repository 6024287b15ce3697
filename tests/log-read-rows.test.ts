import { asc, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { currentPosition, readBatch } from '../src/chatlog/read.js';
import { createSharedLoaders } from '../src/context.js';
import { chatLog } from '../src/db/schema.js';
import { useParley } from './helpers/scenario.js';
import { statementsOf } from './helpers/statements.js';

/**
 * An instance with subscribers reads, with each entry of the chat log, the rows its view shows
 * (src/chatlog/read.ts): the rows are the loaders' own, and a delivery costs no statement after
 * the read.
 */
const parley = useParley();
const MESSAGE_ADDED = `subscription($c: ID) { messageAdded(chatId: $c) { id content editedAt sentAt sender { id firstname } chat { id name } } }`;

describe("the chat log's entries with their rows", () => {
  it('come as the loaders load them: the message, the chat and a new message’s sender', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Rows');
    const chatId = await parley.newGroup(ana!, [ben!], 'Rows group');
    const from = await currentPosition(parley.db.db);
    const sent = await ana!.send(chatId, 'first');
    await ana!.must(`mutation($id: ID!, $c: String!) { editMessage(id: $id, content: $c) { id } }`, { id: sent.id, c: 'first, edited' });
    await parley.settled();

    const batch = await readBatch(parley.db.db, from, 500, true);
    // (`from` may come before the group's own entries: an older transaction elsewhere can hold the mark back.)
    const mine = batch.entries.filter((e) => e.chatId === Number(chatId) && e.messageId === Number(sent.id));
    expect(mine.map((e) => e.kind)).toEqual(['MESSAGE_ADDED', 'MESSAGE_EDITED']);
    // Every column of the entries, as drizzle reads them (the read takes them from arrays, by position).
    const stored = await parley.db.db.select().from(chatLog).where(inArray(chatLog.id, mine.map((e) => e.id))).orderBy(asc(chatLog.id));
    expect(mine).toEqual(stored);
    const loaders = createSharedLoaders(parley.db.db);
    const message = await loaders.messageById.load(Number(sent.id));
    expect(message?.content).toBe('first, edited');
    expect(batch.related!.messages.filter((m) => m.id === message!.id)).toEqual([message]);
    const chat = await loaders.chatById.load(Number(chatId));
    expect(batch.related!.chats.filter((c) => c.id === chat!.id)).toEqual([chat]);
    // Each row once; the sender of the new message only (an edit's author is not shown with it).
    expect(batch.related!.senders.filter((u) => [ana!.id, ben!.id].includes(String(u.id)))).toEqual([await loaders.userById.load(Number(ana!.id))]);

    // A sender as every reader but sign-in sees one: the password hash is never read with it.
    for (const row of [...batch.related!.senders, await loaders.userById.load(Number(ana!.id))]) {
      expect(row).not.toHaveProperty('password');
      expect(row).toMatchObject({ id: expect.any(Number), firstname: expect.any(String), email: expect.any(String) });
    }

    // Without subscribers, the plain read: the same entries, without their rows.
    const plain = await readBatch(parley.db.db, from, 500);
    expect(plain.related).toBeNull();
    expect(plain.entries.filter((e) => mine.some((m) => m.id === e.id))).toEqual(stored);
  });

  it("cost a subscriber's instance one statement per message: the read", async () => {
    const other = await parley.newInstance();
    const [ana, ben] = await parley.newUsers(2, 'Cost');
    const chatId = await parley.newGroup(ana!, [ben!], 'Cost group');
    const seen = await ben!.subscribe(MESSAGE_ADDED, { c: chatId });
    // The first message also loads the chat's members for this instance.
    await ana!.on(other).send(chatId, 'warm-up');
    await seen.waitFor(1);
    let n = 1;
    // What the instance sends on all its pools (the hub reads with its own connection).
    const { database, realtimeDatabase, logDatabase } = parley.srv.server;
    const pools = {
      get queryCount() {
        return database.queryCount + realtimeDatabase.queryCount + logDatabase.queryCount;
      },
    };
    const { hub } = parley.srv.server;
    const { statements, result: reads } = await statementsOf(pools, async () => {
      const before = hub.logReads;
      await ana!.on(other).send(chatId, `message ${++n}`);
      await seen.waitFor(n);
      return hub.logReads - before;
    });
    // Every statement was a read of the log: the one that brought the message, with its rows,
    // and any that found it still behind an older transaction (another test's, on a busy server).
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(statements).toBe(reads);
    expect(seen.events.at(-1)!.messageAdded).toMatchObject({ content: `message ${n}`, sender: { id: ana!.id, firstname: ana!.firstname }, chat: { id: chatId, name: 'Cost group' } });
  });

  it('are read with a plan made once, not planned afresh for every read', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Plan');
    const chatId = await parley.newGroup(ana!, [ben!], 'Plan group');
    const seen = await ben!.subscribe(MESSAGE_ADDED, { c: chatId });
    for (let i = 1; i <= 8; i++) {
      await ana!.send(chatId, `message ${i}`);
      await seen.waitFor(i);
    }
    // The reader's one connection: this asks the session that ran the reads.
    const plans = await parley.srv.server.logDatabase.sql<{ generic: string; custom: string }[]>`
      select generic_plans::text as generic, custom_plans::text as custom from pg_prepared_statements
      where statement like '%from chat_log%'`;
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.reduce((n, p) => n + Number(p.generic), 0)).toBeGreaterThanOrEqual(8);
    expect(plans.map((p) => Number(p.custom))).toEqual(plans.map(() => 0));
  });
});
