import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatLog, messages } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { Audience } from '../src/realtime/audience.js';
import { holdTheMark } from './helpers/log.js';
import { useParley } from './helpers/scenario.js';
import { capturedLogger, startServer } from './helpers/server.js';
import { until } from './helpers/ws.js';

/**
 * Moments inside an instance's delivery that a client cannot time: each is held open with the
 * database's own tools (a transaction holding the log's high-water mark, a table lock), so the
 * race happens every run.
 */
const parley = useParley();

/** A lock on a table, in a transaction of its own, until released. */
async function lockTable(table: string) {
  const tx = await parley.db.sql.reserve();
  await tx`begin`;
  await tx.unsafe(`lock table ${table} in access exclusive mode`);
  return async () => {
    await tx`commit`;
    tx.release();
  };
}

describe('a subscription that starts while a batch is being handed out', () => {
  it("gets its own entries of that batch, which nobody here heard when the batch was matched", async () => {
    const [ana, cy, ben, dan] = await parley.newUsers(4, 'H');
    const x = await parley.newDirectChat(ana!, cy!);
    const y = await parley.newDirectChat(dan!, ben!);
    const seen = await dan!.send(y, 'seen');
    // Cy listens here, so the batch below has views to load.
    const cyFeed = await cy!.subscribe(`subscription { messageAdded { content } }`);
    await parley.settled();

    // Both messages land in one batch once the mark moves.
    const releaseMark = await holdTheMark(parley.db);
    await ana!.send(x, 'to cy');
    await dan!.send(y, 'to ben');
    // The batch's views read chats: with the table locked, the hand-out waits right there.
    const releaseChats = await lockTable('chats');
    await releaseMark();
    // The batch's read (its rows come with it) or its views' loads: the log's reader or the hub's pool.
    const hub = ['log', 'realtime'].map((role) => `parley-${role}-${parley.srv.server.instanceId}`);
    const waiting = () => parley.db.sql`select 1 from pg_stat_activity where application_name in ${parley.db.sql(hub)} and wait_event_type = 'Lock'`;
    await until(async () => (await waiting()).length > 0, 15_000, 'the hand-out to wait on the lock');

    // Ben, who has no subscription on this instance yet, resumes after the message he saw.
    const benFeed = await ben!.subscribe(`subscription($a: ID) { messageAdded(after: $a) { content } }`, { a: seen.id });
    await releaseChats();
    expect((await cyFeed.waitFor(1, 15_000)).map((e) => e.messageAdded.content)).toEqual(['to cy']);
    expect((await benFeed.waitFor(1, 15_000)).map((e) => e.messageAdded.content)).toEqual(['to ben']);
  });
});

describe('a message stored in the statement that checks its sender', () => {
  it('is refused, with nothing stored, when a block commits while the send waits for its insert', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S');
    const chatId = await parley.newDirectChat(ana!, ben!);
    // With messages locked, the send takes the chat's lock and its insert waits behind the
    // table's; the block commits meanwhile (it writes no message).
    const releaseMessages = await lockTable('messages');
    const pool = `parley-pool-${parley.srv.server.instanceId}`;
    const waiting = () => parley.db.sql`select 1 from pg_stat_activity where application_name = ${pool} and wait_event_type = 'Lock'`;
    let sent: ReturnType<NonNullable<typeof ana>['gql']>;
    try {
      sent = ana!.gql(`mutation($c: ID!) { sendMessage(input: { chatId: $c, content: "too late" }) { id } }`, { c: chatId });
      await until(async () => (await waiting()).length > 0, 15_000, 'the insert to wait on the lock');
      await ben!.must(`mutation($u: ID!) { blockUser(userId: $u) { id } }`, { u: ana!.id });
    } finally {
      await releaseMessages();
    }
    expect(errorOf(await sent!).code).toBe('FORBIDDEN');
    const stored = await parley.db.db.select().from(messages).where(and(eq(messages.chatId, Number(chatId)), eq(messages.content, 'too late')));
    expect(stored).toEqual([]);
  });
});

describe('typing, which is not logged', () => {
  it('stops reaching a member the moment they are removed, while the log is still held back', async () => {
    const [owner, gone, typist, friend] = await parley.newUsers(4, 'T');
    const group = await parley.newGroup(owner!, [gone!, typist!]);
    const elsewhere = await parley.newDirectChat(friend!, gone!);
    await parley.settled();
    const typing = await gone!.subscribe(`subscription { typing { chatId user { id } } }`);

    // The removal commits, but its entry is not handed out until the mark moves.
    const releaseMark = await holdTheMark(parley.db);
    try {
      await owner!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: gone!.id });
      await typist!.must(`mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c: group });
      // A sentinel from another chat: typing is handed out in order, so anything earlier came first.
      await friend!.must(`mutation($c: ID!) { setTyping(chatId: $c, isTyping: true) }`, { c: elsewhere });
      await typing.waitFor(1, 15_000);
      expect(typing.events.map((e) => e.typing.chatId)).toEqual([elsewhere]);
    } finally {
      await releaseMark();
    }
  });
});

describe('a read of the log that does not end', () => {
  it('fails /readyz and says so in the log while it lasts, then delivers as before', { timeout: 60_000 }, async () => {
    const captured = capturedLogger();
    // The sweep reads often; the statement may wait far longer than the stall bound.
    const stuck = await startServer({ logStallMs: 1000, bus: { sweepMs: 100 }, db: { statementTimeoutMs: 60_000 } }, undefined, captured.log);
    try {
      const [ana, ben] = await parley.newUsers(2, 'R');
      const chat = await parley.newDirectChat(ana!, ben!);
      const feed = await ben!.subscribe(`subscription { messageAdded { content } }`, {}, stuck);
      const ready = async () => {
        const res = await fetch(new URL('/readyz', stuck.url));
        return { status: res.status, ...((await res.json()) as object) };
      };
      expect(await ready()).toMatchObject({ status: 200, log: 'up' });
      const releaseLog = await lockTable('chat_log');
      try {
        await until(async () => (await ready()).status === 503, 15_000, 'readyz to fail');
        expect(await ready()).toMatchObject({ ready: false, database: 'up', listen: 'up', log: 'stalled' });
        await until(() => captured.lines.some((l) => l.msg?.startsWith('reading the chat log has stalled')), 15_000, 'the stall to be logged');
      } finally {
        await releaseLog();
      }
      await until(async () => (await ready()).status === 200, 15_000, 'readyz to recover');
      expect(captured.lines.some((l) => l.msg === 'reading the chat log goes on after a stall')).toBe(true);
      await ana!.send(chat, 'after the stall');
      expect((await feed.waitFor(1, 15_000)).map((e) => e.messageAdded.content)).toEqual(['after the stall']);
    } finally {
      await stuck.stop();
    }
  });
});

describe('the audience cache', () => {
  it('still knows who hears every entry of a batch that makes it start afresh', async () => {
    const [a, b, c] = await parley.newUsers(3, 'A');
    const chats = [await parley.newDirectChat(a!, b!), await parley.newDirectChat(b!, c!), await parley.newDirectChat(a!, c!)];
    const entries = await Promise.all(
      chats.map(async (chatId, i) => {
        await [a, b, a][i]!.send(chatId, `in chat ${i}`);
        const [entry] = await parley.db.db
          .select()
          .from(chatLog)
          .where(and(eq(chatLog.chatId, Number(chatId)), eq(chatLog.kind, 'MESSAGE_ADDED')));
        return entry!;
      }),
    );
    const members = [
      [a, b],
      [b, c],
      [a, c],
    ].map((pair) => pair.map((u) => Number(u!.id)).sort());
    // Room for two chats: the third batch holds a cached chat and a new one, one too many.
    const audience = new Audience(parley.db.db, 2);
    await audience.prepare([entries[0]!]);
    await audience.prepare([entries[1]!]);
    await audience.prepare([entries[0]!, entries[2]!]);
    expect([entries[0]!, entries[2]!].map((e) => audience.of(e).sort())).toEqual([members[0], members[2]]);
  });
});
