import { isDeepStrictEqual } from 'node:util';
import type { BenchRow } from '../lib/harness.js';
import { postRaw } from '../lib/http.js';
import { BENCH_JWT_SECRET } from '../lib/parley.js';
import { cpuMeter } from '../lib/proc.js';

const CLIENTS = 16;
export const HISTORY = `query History($c: ID!) { messages(chatId: $c, first: 50) { edges { cursor node { id content sentAt sender { id firstname lastname } } } pageInfo { hasNextPage endCursor } } }`;

/**
 * P4: `messages(first: 50)` requests a second from 16 clients (each a member, one request at a
 * time). Floor: node:http running the same statements through postgres.js and writing the same
 * JSON, which is checked before measuring.
 */
const row: BenchRow = {
  id: 'P4',
  title: 'history page requests/s',
  async run(ctx) {
    const room = await ctx.fixtures.history(CLIENTS, 60);
    const tokens = room.members.map((m) => m.token);
    const [load, floorServer] = await Promise.all([ctx.agent('load', 'bench/agents/load.ts'), ctx.agent('history-floor', 'bench/floors/messages-http.ts')]);
    const port = await floorServer.call<number>('listen', ctx.database.url, BENCH_JWT_SECRET);
    const floorUrl = `http://127.0.0.1:${port}/graphql`;
    const body = JSON.stringify({ query: HISTORY, variables: { c: room.chatId } });
    const [fromParley, fromFloor] = await Promise.all([postRaw(ctx.parley.url, body, tokens[0]), postRaw(floorUrl, body, tokens[0])]);
    const same = isDeepStrictEqual(JSON.parse(fromParley.body), JSON.parse(fromFloor.body));
    if (!same) ctx.log(`P4: the floor's answer differs from Parley's:\n${fromParley.body.slice(0, 400)}\n${fromFloor.body.slice(0, 400)}`);
    const details: unknown[] = [];
    const { parley, floor } = await ctx.interleave(
      async (rep) => {
        const cpu = cpuMeter({ parley: ctx.parley.pid, load: load.pid });
        const r = await load.call<{ perSec: number; failed: number }>('queries', ctx.parley.url, body, tokens, ctx.window);
        details.push({ rep, side: 'parley', cpu: cpu(), failed: r.failed });
        return r.perSec;
      },
      async (rep) => {
        const cpu = cpuMeter({ floorServer: floorServer.pid, load: load.pid });
        const r = await load.call<{ perSec: number; failed: number }>('queries', floorUrl, body, tokens, ctx.window);
        details.push({ rep, side: 'floor', cpu: cpu(), failed: r.failed });
        return r.perSec;
      },
    );
    return [
      {
        id: 'P4',
        metric: `\`messages(first: 50)\` req/s, ${CLIENTS} clients`,
        unit: '/s',
        better: 'higher',
        parley,
        floor: { what: 'node:http running the same SQL, same JSON', values: floor },
        target: '≥ 0.4',
        details,
        ...(same ? {} : { note: "floor's JSON differed" }),
      },
    ];
  },
};
export default row;
