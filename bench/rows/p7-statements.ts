import type { BenchRow } from '../lib/harness.js';

const LIST = `{ chats(first: 50) { edges { node { id unreadCount participants { role user { id firstname } } lastMessage { content sender { id firstname } } } } } }`;
const MEMBERS = 5;

/**
 * P7: SQL statements Parley sends for `chats(first: 50)` with participants, last message and
 * unread count, for a user in 10 and then 50 chats of 5 members (Parley's own statement counter,
 * with the server in a process of its own). No floor: the target is a small constant.
 */
const row: BenchRow = {
  id: 'P7',
  title: 'statements per chat list',
  async run(ctx) {
    const counter = await ctx.agent('statements', 'bench/agents/statements.ts');
    await counter.call('start', ctx.database.url);
    const user = await ctx.fixtures.memberOf(10, MEMBERS);
    const others = (await ctx.fixtures.users(MEMBERS)).slice(1);
    // The first request opens connections (postgres.js reads the array types on each): not counted.
    await counter.call('count', LIST, user.token);
    const out = [];
    for (const n of [10, 50]) {
      if (n === 50) await ctx.fixtures.addChats(user, others, 40);
      const counts: number[] = [];
      for (let rep = 0; rep < ctx.reps; rep++) {
        const r = await counter.call<{ statements: number; chats: number }>('count', LIST, user.token);
        if (r.chats !== n) throw new Error(`expected ${n} chats, got ${r.chats}`);
        counts.push(r.statements);
      }
      out.push({ id: 'P7', metric: `SQL statements for \`chats(first: 50)\`, N = ${n}`, unit: '', better: 'lower' as const, parley: counts, target: '≤ 6, constant' });
    }
    await counter.call('stop');
    return out;
  },
};
export default row;
