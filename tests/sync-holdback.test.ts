import { describe, expect, it } from 'vitest';
import { metrics } from '../src/observability/metrics.js';
import { holdTheMark } from './helpers/log.js';
import { useParley } from './helpers/scenario.js';
import { until } from './helpers/ws.js';

/**
 * The log's high-water mark is the oldest transaction still running: an open transaction holds
 * every delivery back until it ends, and Parley's own transactions are not allowed to stay open.
 */
const parley = useParley({ db: { statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 400 } });

const heldBack = async () => (await metrics.logHeldBack.get()).values[0]?.value ?? 0;

describe('a transaction left open', () => {
  it('holds delivery back until it ends, then everything arrives in order', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    const feed = await ben!.subscribe(`subscription { messageAdded { content } }`);

    // Another client of the database opens a transaction that takes a transaction id.
    const releaseMark = await holdTheMark(parley.db);
    const before = await heldBack();
    await ana!.send(chatId, 'held');
    // The server says so itself: committed entries wait behind a running transaction.
    await until(async () => (await heldBack()) > before, 10_000, 'the delivery to be held back');
    expect(feed.events).toEqual([]);

    await releaseMark();
    await ana!.send(chatId, 'after');
    expect((await feed.waitFor(2)).map((e) => e.messageAdded.content)).toEqual(['held', 'after']);
  });

  it('does not give a subscriber who starts now what was committed before, though the mark held it back', async () => {
    const [ana, ben] = await parley.newUsers(2);
    const releaseMark = await holdTheMark(parley.db);
    let released = false;
    try {
      // Committed behind an older transaction: past the mark, not final yet, but before "now".
      const chatId = await parley.newGroup(ana!, [ben!]);
      await ana!.send(chatId, 'before');
      const feed = await ben!.subscribe(`subscription { messageAdded { content } }`);
      await releaseMark();
      released = true;
      await ana!.send(chatId, 'after');
      // The last message: anything handed out before it has arrived by then.
      await until(() => feed.events.some((e: any) => e.messageAdded.content === 'after'), 10_000, 'the message sent after subscribing');
      expect(feed.events.map((e: any) => e.messageAdded.content)).toEqual(['after']);
    } finally {
      if (!released) await releaseMark();
    }
  });

  it("is not allowed on Parley's own connections: the idle transaction is ended", async () => {
    const pool = parley.srv.server.database.sql;
    const attempt = pool.begin(async (tx) => {
      await tx`select pg_current_xact_id()`;
      await new Promise((r) => setTimeout(r, 1500));
      await tx`select 1`;
    });
    await expect(attempt).rejects.toThrow();
    // And the server carries on.
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    expect((await ana!.send(chatId, 'still here')).content).toBe('still here');
  });
});
