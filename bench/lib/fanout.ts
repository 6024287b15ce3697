import type { RoomSpec } from '../agents/fleet.js';
import { databaseCpu } from './database.js';
import type { BenchContext } from './harness.js';
import { cpuMeter, type Agent } from './proc.js';

export const ROOMS = 10;
export const PER_ROOM = 100;

export interface FanoutSetup {
  fleet: Agent;
  floor: Agent;
  floorUrl: string;
  specs: RoomSpec[];
  /** The floor's rooms are numbered; its notifications name them. */
  floorSpecs: RoomSpec[];
  /** Cores used by Parley (or the floor server), the fleet and PostgreSQL during a measurement. */
  meter(side: 'parley' | 'floor'): () => Record<string, number>;
}

/**
 * What P1, P2 and P6 share: 10 rooms of 100 members, a fleet with one subscribed socket per
 * member and room on Parley, and as many raw sockets on the WebSocket floor.
 */
export function fanoutSetup(ctx: BenchContext): Promise<FanoutSetup> {
  return ctx.shared('fanout', async () => {
    const rooms = await ctx.fixtures.rooms(ROOMS, PER_ROOM);
    const specs = rooms.map((r) => ({ chatId: r.chatId, tokens: r.members.map((m) => m.token), senderToken: r.members[0]!.token }));
    const [fleet, floor] = await Promise.all([ctx.agent('fleet', 'bench/agents/fleet.ts'), ctx.agent('ws-floor', 'bench/floors/ws-server.ts')]);
    const port = await floor.call<number>('listen');
    const floorUrl = `ws://127.0.0.1:${port}/`;
    const before = await ctx.parley.metric('parley_subscriptions_active');
    await fleet.call('connectParley', 'parley', ctx.parley.wsUrl, specs, PER_ROOM);
    await ctx.parley.waitForMetric('parley_subscriptions_active', before + ROOMS * PER_ROOM);
    await fleet.call('connectFloor', 'floor', floorUrl, ROOMS, PER_ROOM);
    ctx.log(`fan-out: ${ROOMS} rooms × ${PER_ROOM} sockets on Parley and on the floor`);
    return {
      fleet,
      floor,
      floorUrl,
      specs,
      floorSpecs: specs.map((s, i) => ({ ...s, chatId: String(i) })),
      meter: (side) => cpuMeter({ [side === 'parley' ? 'parley' : 'floorServer']: side === 'parley' ? ctx.parley.pid : floor.pid, fleet: fleet.pid, ...databaseCpu(ctx.database) }),
    };
  });
}

/** Parley's `messageAdded` frame with its text replaced by a marker, for the floors to fill in. */
export const frameTemplate = (sample: string) => sample.replace(/"content":"(?:[^"\\]|\\.)*"/, '"content":"__CONTENT__"');
