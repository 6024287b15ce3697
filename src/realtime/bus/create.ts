import type { Logger } from 'pino';
import { oneLine, StartupError } from '../../common/startup-error.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { EventBus } from './bus.js';
import { describeNatsUrl, NatsBus } from './nats.js';
import { PostgresBus } from './postgres.js';

/** The configured bus, started: a NATS server that cannot be reached stops start-up, saying so. */
export async function startEventBus(config: Config['bus'], deps: { databaseUrl: string; db: Db; log: Logger; instanceId: string }): Promise<EventBus> {
  if (config.kind === 'postgres') {
    const bus = new PostgresBus(deps.databaseUrl, deps.db, deps.log, deps.instanceId);
    await bus.start();
    return bus;
  }
  const bus = new NatsBus(config.natsUrl, deps.log, deps.instanceId, config.startupWaitMs);
  try {
    await bus.start();
  } catch (err) {
    await bus.stop().catch(() => {});
    const where = describeNatsUrl(config.natsUrl);
    const reason = oneLine(err) || (err as { code?: string }).code || 'no answer';
    if (/jetstream/i.test(reason)) {
      throw new StartupError(`NATS at ${where} has no JetStream, which Parley needs for its registry of instances: start nats-server with -js`);
    }
    throw new StartupError(`Cannot use NATS at ${where} (EVENT_BUS=nats): ${reason}`);
  }
  return bus;
}
