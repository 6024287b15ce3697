import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { metrics } from '../src/observability/metrics.js';
import { subscribeReady, until, wsClient } from './helpers/ws.js';
import { useParley } from './helpers/scenario.js';

/**
 * Subscribers who asked the same thing share one execution per event — unless what they asked
 * depends on who is asking, which the server finds out by itself.
 */
const parley = useParley();

const executions = async () => {
  const values = (await metrics.subscriptionExecutions.get()).values;
  const of = (mode: string) => values.find((v) => v.labels.mode === mode)?.value ?? 0;
  return { shared: of('shared'), viewer: of('viewer') };
};

describe('subscription fan-out', () => {
  it('executes an event once for every subscriber of a viewer-independent selection', async () => {
    const [owner, ...members] = await parley.newUsers(6, 'F');
    const group = await parley.newGroup(owner!, members);
    // The group's own messages are final before the subscriptions start at "now".
    await parley.settled();
    const QUERY = `subscription($c: ID) { messageAdded(chatId: $c) { id content sender { id firstname } } }`;
    const subs = await Promise.all(members.map((m) => m.subscribe(QUERY, { c: group })));
    // Learn the selection (its first event), then count the next one.
    await owner!.send(group, 'first');
    for (const sub of subs) await sub.waitFor(1);
    const before = await executions();
    const m = await owner!.send(group, 'second');
    for (const sub of subs) expect((await sub.waitFor(2))[1]).toEqual({ messageAdded: { id: m.id, content: 'second', sender: { id: owner!.id, firstname: 'F0' } } });
    expect(await executions()).toEqual({ shared: before.shared + 1, viewer: before.viewer });
  });

  it("gives each viewer their own answer where the selection depends on the viewer", async () => {
    const [ana, ben, cy] = await parley.newUsers(3, 'V');
    const group = await parley.newGroup(ana!, [ben!, cy!]);
    await parley.settled();
    const QUERY = `subscription($c: ID) { messageAdded(chatId: $c) { id clientMessageId chat { unreadCount } } }`;
    const [forAna, forBen, forCy] = await Promise.all([ana, ben, cy].map((u) => u!.subscribe(QUERY, { c: group })));
    await cy!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: group });
    const m = await ana!.send(group, 'mine', { clientMessageId: 'k-1' });
    const [a] = await forAna!.waitFor(1);
    const [b] = await forBen!.waitFor(1);
    const [c] = await forCy!.waitFor(1);
    expect(a.messageAdded).toEqual({ id: m.id, clientMessageId: 'k-1', chat: { unreadCount: 0 } });
    expect(b.messageAdded).toEqual({ id: m.id, clientMessageId: null, chat: { unreadCount: 1 } });
    expect(c.messageAdded).toEqual({ id: m.id, clientMessageId: null, chat: { unreadCount: 1 } });
  });

  it('writes the frames a socket is sent in one turn in one write', async () => {
    const [ana, ben] = await parley.newUsers(2, 'W');
    const chat = await parley.newDirectChat(ana!, ben!);
    await parley.settled();
    // Two subscriptions on one socket: each message is two frames for it, sent in one turn.
    const client = wsClient(parley.srv.wsUrl, ben!.token);
    const QUERY = `subscription($c: ID) { messageAdded(chatId: $c) { content } }`;
    const subs = [];
    for (let i = 0; i < 2; i++) subs.push(await subscribeReady(parley.srv.server.hub, client, QUERY, { c: chat }));
    // Every write this process makes to a TCP socket, as the text it carries.
    const writes: string[] = [];
    const { _write, _writev } = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    Object.assign(Socket.prototype, {
      _write(this: Socket, chunk: Buffer | string, ...rest: unknown[]) {
        writes.push(String(chunk));
        return _write.call(this, chunk, ...rest);
      },
      _writev(this: Socket, chunks: { chunk: Buffer | string }[], ...rest: unknown[]) {
        writes.push(chunks.map((c) => String(c.chunk)).join(''));
        return _writev.call(this, chunks, ...rest);
      },
    });
    try {
      await ana!.send(chat, 'one turn');
      for (const sub of subs) await sub.waitFor(1);
    } finally {
      Object.assign(Socket.prototype, { _write, _writev });
      await client.dispose();
    }
    for (const sub of subs) expect(sub.events).toEqual([{ messageAdded: { content: 'one turn' } }]);
    const carrying = writes.filter((w) => w.includes('"type":"next"') && w.includes('one turn'));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]!.match(/"type":"next"/g)).toHaveLength(2);
  });

  it("gives each of a user's subscriptions its own chat's messages, and one without a chat every chat's", async () => {
    const [ana, ben] = await parley.newUsers(2, 'R');
    const direct = await parley.newDirectChat(ana!, ben!);
    const group = await parley.newGroup(ana!, [ben!]);
    await parley.settled();
    const QUERY = `subscription($c: ID) { messageAdded(chatId: $c) { content } }`;
    const contents = (sub: { events: { messageAdded: { content: string } }[] }) => sub.events.map((e) => e.messageAdded.content);
    const hub = parley.srv.server.hub;
    const [ofDirect, ofGroup, ofAll, ofDirectToo] = await Promise.all([
      ben!.subscribe(QUERY, { c: direct }),
      ben!.subscribe(QUERY, { c: group }),
      ben!.subscribe(QUERY, {}),
      ben!.subscribe(QUERY, { c: direct }),
    ]);
    await ana!.send(direct, 'd1');
    await ana!.send(group, 'g1');
    await ofAll!.waitFor(2);
    await ofDirectToo!.waitFor(1);
    // One of the direct chat's two subscriptions ends; the others go on.
    const before = hub.stats.subscriptions;
    ofDirectToo!.dispose();
    await until(() => hub.stats.subscriptions === before - 1, 5000, 'the subscription to end');
    await ana!.send(direct, 'd2');
    await ana!.send(group, 'g2');
    await ofAll!.waitFor(4);
    await ofDirect!.waitFor(2);
    await ofGroup!.waitFor(2);
    expect(contents(ofDirect!)).toEqual(['d1', 'd2']);
    expect(contents(ofGroup!)).toEqual(['g1', 'g2']);
    expect(contents(ofAll!)).toEqual(['d1', 'g1', 'd2', 'g2']);
    expect(contents(ofDirectToo!)).toEqual(['d1']);
  });
});
