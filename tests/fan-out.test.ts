import { describe, expect, it } from 'vitest';
import { metrics } from '../src/observability/metrics.js';
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
});
