import { inject } from 'vitest';
import { startServer, type ConfigOverrides, type TestServer } from './server.js';
import { proxyDatabase, startTcpProxy } from './tcp-proxy.js';
import { until } from './ws.js';

/** The bus this run's servers use: NATS in the "nats" project (vitest.config.ts), PostgreSQL otherwise. */
export const busUnderTest = (): 'postgres' | 'nats' => (inject('natsUrl') ? 'nats' : 'postgres');

export interface CuttableServer {
  srv: TestServer;
  /** Takes the instance's bus connection away, until `restore`. */
  lose(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A server whose bus connection a test can take away, through a TCP proxy: in front of the
 * run's nats-server on NATS (nothing else is touched), in front of the database on PostgreSQL
 * (whose LISTEN connection goes with it).
 */
export async function serverWithCuttableBus(overrides: ConfigOverrides = {}): Promise<CuttableServer> {
  const natsUrl = inject('natsUrl');
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let srv: TestServer;
  if (natsUrl) {
    const target = new URL(natsUrl);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    srv = await startServer({ ...overrides, bus: { kind: 'nats', natsUrl: `nats://127.0.0.1:${proxy.port}`, sweepMs: 60_000 } });
  } else {
    const proxied = await proxyDatabase(inject('databaseUrl'));
    proxy = proxied.proxy;
    srv = await startServer(overrides, proxied.url);
  }
  let away = false;
  const restore = async () => {
    if (!away) return;
    away = false;
    await proxy.up();
  };
  return {
    srv,
    async lose() {
      away = true;
      await proxy.down();
      await until(() => !srv.server.bus.connected, 15_000, 'the bus connection to drop');
    },
    restore,
    async stop() {
      await restore();
      await srv.stop();
      await proxy.down();
    },
  };
}
