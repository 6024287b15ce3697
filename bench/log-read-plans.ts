/**
 * What planning costs the instance's read of the chat log. On a log of `--entries` entries (in
 * 10 chats), reads the log from its end (nothing new) and from 3 entries before it, with and
 * without the rows entries show, as PostgreSQL chooses (`auto`: it plans each read afresh, see
 * the counts it prints) and with the generic plan the instance's reader is set to use
 * (`force_generic_plan`). Prints the CPU a read costs PostgreSQL's process (from /proc, so the
 * database must run on this machine) and its time seen from here, and writes them to
 * bench/results/log-read-plans-<time>.json.
 *
 * Usage: npm run bench:log-read-plans [-- --entries 200000 --reads 3000]
 * Uses DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary folder.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readBatch } from '../src/chatlog/read.js';
import type { Position } from '../src/chatlog/position.js';
import { connectDatabase } from '../src/db/client.js';
import { prepareDatabase } from './lib/database.js';
import { cpuSeconds, ROOT } from './lib/proc.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    reads: { type: 'string', default: '3000' },
  },
});

const MODES = ['auto', 'force_generic_plan'] as const;
const CASES = [
  { name: 'nothing new, with rows', back: 0, related: true },
  { name: 'nothing new, entries alone', back: 0, related: false },
  { name: '3 new entries, with rows', back: 3, related: true },
  { name: '3 new entries, entries alone', back: 3, related: false },
];

async function main() {
  const entries = Number(values.entries);
  const reads = Number(values.reads);
  const database = await prepareDatabase();
  const results: { mode: string; read: string; cpuMicros: number; wallMicros: number; customPlans: number; genericPlans: number }[] = [];
  try {
    const fill = connectDatabase(database.url, { max: 1 });
    try {
      await fill.sql`insert into users (id, firstname, lastname, email, password)
        select g, 'Log', 'Reader', 'log-reader-' || g || '@example.com', 'x' from generate_series(910001, 910010) g`;
      await fill.sql`insert into chats (id, name, is_group) select g, 'log ' || g, true from generate_series(910001, 910010) g`;
      await fill.sql`insert into messages (chat_id, sender_id, content)
        select 910001 + g % 10, 910001 + g % 10, 'a message of ordinary length ' || g from generate_series(1, ${entries}::int) g`;
      await fill.sql`insert into chat_log (chat_id, user_id, kind, message_id)
        select chat_id, sender_id, 'MESSAGE_ADDED', id from messages where sender_id between 910001 and 910010 order by id`;
      await fill.sql`analyze`;
    } finally {
      await fill.close();
    }
    for (const mode of MODES) {
      // One connection: its backend is the process whose CPU is read.
      const reader = connectDatabase(database.url, { max: 1, genericPlans: mode === 'force_generic_plan' });
      try {
        const [row] = await reader.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        const cpu = () => cpuSeconds(row!.pid);
        const timings: { read: string; cpuMicros: number; wallMicros: number }[] = [];
        const [last] = await reader.sql<{ xid: string; id: string }[]>`select l.xid::text as xid, l.id::text as id from chat_log l order by l.xid desc, l.id desc limit 1`;
        for (const c of CASES) {
          const from: Position = c.back ? { xid: Number(last!.xid), id: Number(last!.id) - c.back } : { xid: Number(last!.xid) + 1, id: 0 };
          const read = () => readBatch(reader.db, from, 500, c.related);
          for (let i = 0; i < 100; i++) await read();
          const cpu0 = cpu();
          const t0 = performance.now();
          for (let i = 0; i < reads; i++) await read();
          const wallMicros = ((performance.now() - t0) / reads) * 1000;
          const cpuMicros = ((cpu() - cpu0) / reads) * 1e6;
          timings.push({ read: c.name, cpuMicros: Math.round(cpuMicros), wallMicros: Math.round(wallMicros) });
        }
        // How PostgreSQL planned this connection's reads (all four kinds together).
        const [plans] = await reader.sql<{ custom: number; generic: number }[]>`
          select coalesce(sum(custom_plans), 0)::int as custom, coalesce(sum(generic_plans), 0)::int as generic
          from pg_prepared_statements where statement like '%"_hw"%'`;
        results.push(...timings.map((t) => ({ mode, ...t, customPlans: plans!.custom, genericPlans: plans!.generic })));
      } finally {
        await reader.close();
      }
    }
  } finally {
    await database.drop();
  }
  console.log(`\nReads of a log of ${entries.toLocaleString('en')} entries, ${reads} each (${database.description})\n`);
  console.log('| read | plan | PostgreSQL CPU a read | time a read | plans made for the reads, custom / generic (all four kinds) |');
  console.log('|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.read} | ${r.mode} | ${r.cpuMicros} µs | ${r.wallMicros} µs | ${r.customPlans} / ${r.genericPlans} |`);
  const out = path.join(ROOT, 'bench', 'results', `log-read-plans-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  await fs.writeFile(out, JSON.stringify({ date: new Date().toISOString(), database: database.description, entries, reads, results }, null, 2));
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
