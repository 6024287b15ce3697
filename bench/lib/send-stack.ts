import { AccessTokens } from '../../src/auth/access-tokens.js';
import { RevokedSessions } from '../../src/auth/revoked-sessions.js';
import type { BenchContext } from './harness.js';
import { BENCH_JWT_SECRET } from './parley.js';
import type { Agent } from './proc.js';
import { ceilingWriters } from './send-statements.js';

/** Users and chats of the stack's warm-up (see ceilingWriters). */
const WARM_UP_WRITERS = 900_201;

/**
 * The stack's sendMessage server (bench/floors/send-stack.ts), started once for the run and
 * warmed up as Parley is by the rows before: a few thousand requests, so that neither side is
 * measured while V8 is still compiling it.
 */
export function sendStack(ctx: BenchContext): Promise<{ agent: Agent; url: string }> {
  return ctx.shared('send-stack', async () => {
    const [agent, load] = await Promise.all([ctx.agent('send-stack', 'bench/floors/send-stack.ts', { server: true }), ctx.agent('load', 'bench/agents/load.ts')]);
    const port = await agent.call<number>('listen', ctx.database.url, BENCH_JWT_SECRET);
    const url = `http://127.0.0.1:${port}/graphql`;
    await ceilingWriters(ctx.database.url, WARM_UP_WRITERS, 4);
    const writers = await Promise.all([0, 1, 2, 3].map(async (i) => ({ chatId: String(WARM_UP_WRITERS + i), token: await benchToken(WARM_UP_WRITERS + i) })));
    const r = await load.call<{ ok: number; failed: number }>('sends', url, writers, { warmupMs: 0, windowMs: 5000 });
    if (r.failed || !r.ok) throw new Error(`the stack's server answered ${r.ok} sends and failed ${r.failed} while warming up`);
    return { agent, url };
  });
}

const tokens = new AccessTokens(BENCH_JWT_SECRET, 24 * 3600, new RevokedSessions(24 * 3600));

/** An access token signed by Parley's own signer, for users made outside its API (ceilingWriters). */
export async function benchToken(userId: number): Promise<string> {
  return (await tokens.sign(userId, `bench-${userId}`)).token;
}
