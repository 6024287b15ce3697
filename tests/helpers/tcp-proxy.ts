import net from 'node:net';

/** A TCP proxy in front of PostgreSQL, so a test can take "the database" down and back up. */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const [s, other] of [
          [client, upstream],
          [upstream, client],
        ] as const) {
          sockets.add(s);
          // A reset on one side must reach the other, or a client waits on a dead connection.
          s.on('close', () => {
            sockets.delete(s);
            other.destroy();
          });
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await open();
  return {
    get port() {
      return port;
    },
    /**
     * Resets every open connection, both ends (an RST, where `down` closes them): each side's
     * next read or write fails with ECONNRESET. New connections are still taken.
     */
    reset() {
      for (const s of sockets) if (!s.destroyed) s.resetAndDestroy();
    },
    /** Refuses new connections and cuts the open ones. */
    async down() {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    up: open,
  };
}

/** A proxy in front of the database at `databaseUrl`, and the URL that goes through it. */
export async function proxyDatabase(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}
