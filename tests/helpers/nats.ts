import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

/** nats-server: NATS_SERVER_PATH, Debian's package (/usr/sbin), or the PATH. */
export function natsServerPath(): string | undefined {
  const dirs = ['/usr/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  const candidates = [process.env.NATS_SERVER_PATH, ...dirs.map((d) => path.join(d, 'nats-server'))];
  return candidates.find((file) => {
    if (!file) return false;
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const NATS_MISSING =
  'no nats-server binary (set NATS_SERVER_PATH, or install Debian\'s "nats-server" package): the NATS event-bus tests are skipped';

export interface NatsServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`); `start` brings it back on the same port and store. */
  stop(hard?: boolean): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its store. */
  dispose(): Promise<void>;
}

/** A nats-server of the test's own, with JetStream (unless told), on a free port and a fresh store. */
export async function startNatsServer(options: { jetStream?: boolean } = {}): Promise<NatsServer> {
  const binary = natsServerPath();
  if (!binary) throw new Error(NATS_MISSING);
  const port = await freePort();
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-nats-'));
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    const jetStream = options.jetStream === false ? [] : ['-js', '-sd', store];
    child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), ...jetStream], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Listening comes before JetStream is up (its API answers 503 until then): the server says
    // "Server is ready" once both are.
    const from = output.length;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not say it was ready within 20 s:\n${output}`)), 20_000);
      const onData = (d: Buffer) => {
        output += d;
        if (output.indexOf('Server is ready', from) !== -1) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
    });
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`nats-server exited (${code}):\n${output}`))));
    exited.catch(() => {});
    await Promise.race([Promise.all([accepting(port), ready]), exited]);
  };
  const stop = async (hard = false) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await gone;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async dispose() {
      await stop();
      await fs.rm(store, { recursive: true, force: true });
    },
  };
}

/** Resolves once something accepts connections on the port. */
async function accepting(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
