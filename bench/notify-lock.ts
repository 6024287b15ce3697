/**
 * What PostgreSQL's NOTIFY lock costs sendMessage's writes: sendMessage's own statements (P3's
 * ceiling script) through pgbench with the wake-up inside the transaction (as Parley sent them
 * before its wake-ups went after the commit), with none, and with one after each commit in a
 * transaction of its own that does not wait for its flush. A NOTIFY inside a transaction holds
 * the database-wide NOTIFY lock from its commit until the commit is flushed, so notifying
 * commits go one at a time. Prints transactions a second per variant and client count, the
 * variants interleaved, and writes them to bench/results/notify-lock-<time>.json.
 *
 * Usage: npm run bench:notify-lock [-- --seconds 8 --reps 2 --clients 8,32]
 * Needs pgbench; uses DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary folder.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPgbench, prepareDatabase } from './lib/database.js';
import { pgbench } from './lib/pgbench.js';
import { ROOT } from './lib/proc.js';
import { ceilingScript, ceilingWriters, type CeilingWake } from './lib/send-statements.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    reps: { type: 'string', default: '2' },
    clients: { type: 'string', default: '8,32' },
  },
});

const WRITERS = 900_501;
const VARIANTS: Record<CeilingWake, string> = {
  inside: 'with its NOTIFY inside',
  none: 'with no NOTIFY',
  after: 'followed by a NOTIFY of its own, one per transaction',
};
const WAKES = Object.keys(VARIANTS) as CeilingWake[];

async function main() {
  const bin = findPgbench();
  if (!bin) throw new Error('pgbench is needed (a PostgreSQL installation, or the PATH)');
  const clients = values.clients!.split(',').map(Number);
  const window = { warmupMs: 0, windowMs: Number(values.seconds) * 1000 };
  const database = await prepareDatabase();
  const results: { clients: number; wake: CeilingWake; perSec: number[] }[] = [];
  try {
    await ceilingWriters(database.url, WRITERS, Math.max(...clients));
    for (const n of clients) {
      const row = Object.fromEntries(WAKES.map((wake) => [wake, [] as number[]])) as Record<CeilingWake, number[]>;
      for (let rep = 0; rep < Number(values.reps); rep++) {
        for (const wake of WAKES) {
          row[wake].push(Math.round(await pgbench(bin, database.url, n, false, window, ceilingScript(WRITERS, wake))));
        }
      }
      for (const wake of WAKES) results.push({ clients: n, wake, perSec: row[wake] });
    }
  } finally {
    await database.drop();
  }
  console.log(`\n| the message's transaction | ${clients.map((n) => `${n} clients`).join(' | ')} |`);
  console.log(`|---|${clients.map(() => '---|').join('')}`);
  for (const wake of WAKES) {
    const cells = clients.map((n) => results.find((r) => r.clients === n && r.wake === wake)!.perSec.join(', ') + ' /s');
    console.log(`| ${VARIANTS[wake]} | ${cells.join(' | ')} |`);
  }
  const out = path.join(ROOT, 'bench', 'results', `notify-lock-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  await fs.writeFile(out, JSON.stringify({ date: new Date().toISOString(), database: database.description, seconds: Number(values.seconds), results }, null, 2));
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
