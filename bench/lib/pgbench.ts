import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Window } from './http.js';
import { ownSession } from './proc.js';
import { CONTENT } from './send-statements.js';

/** The floor's transaction: the message row and its wake-up, in one statement. */
export const floorScript = (shared: boolean) => `\\set chat ${shared ? '1' : ':client_id + 1'}
with m as (insert into bench_floor_messages (chat_id, sender_id, content) values (:chat, :chat, '${CONTENT}') returning id) select pg_notify('bench_floor', m.id::text) from m;
`;

/** pgbench running `statements` (the floor's by default; a pipelined script needs prepared statements). */
export async function pgbench(bin: string, databaseUrl: string, clients: number, shared: boolean, window: Window, statements?: string): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-pgbench-'));
  const file = path.join(dir, 'insert-notify.sql');
  await fs.writeFile(file, statements ?? floorScript(shared));
  const protocol = statements ? ['-M', 'prepared'] : [];
  try {
    const seconds = String(Math.max(1, Math.round((window.warmupMs + window.windowMs) / 1000)));
    const out = await new Promise<string>((resolve, reject) => {
      const child = ownSession(spawn(bin, ['-n', ...protocol, '-f', file, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', seconds, databaseUrl], { detached: true }));
      let text = '';
      child.stdout!.on('data', (d) => (text += d));
      child.stderr!.on('data', (d) => (text += d));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`))));
    });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    if (!tps) throw new Error(`no tps in pgbench output: ${out}`);
    return Number(tps[1]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

