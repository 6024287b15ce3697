/**
 * `npm run bench`: every row of the performance table, each measured against a floor — a
 * program that does only what the work needs — in the same run, interleaved, 3 repetitions.
 * Parley runs as its own process in production mode on a scratch database (DATABASE_URL's
 * server, or an embedded PostgreSQL); load comes from other processes. Prints a Markdown table
 * and writes bench/results/<date>.json.
 *
 *   npm run bench [-- --quick] [--reps 3] [--only P1,P3] [--out file.json] [--env NAME=value …]
 *                 [--p2-rate N]
 *
 * --env sets Parley's configuration for the run (PASSWORD_CONCURRENCY=2, say), on top of the
 * benchmark's own (bench/lib/parley.ts). --p2-rate runs P2 at N messages a second instead of
 * at half of P1's throughput (P1 need not run).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareDatabase } from './lib/database.js';
import { Fixtures } from './lib/fixtures.js';
import { interleave, type BenchContext, type BenchRow, type RowResult } from './lib/harness.js';
import { startParley, type ParleyProcess } from './lib/parley.js';
import { ROOT, spawnAgent, type Agent } from './lib/proc.js';
import { ratioOf, renderTable } from './lib/table.js';
import { summarize } from './lib/stats.js';
import fanout from './rows/p1-fanout.js';
import latency from './rows/p2-latency.js';
import writes from './rows/p3-writes.js';
import history from './rows/p4-history.js';
import memory from './rows/p5-memory.js';
import logins from './rows/p6-logins.js';
import statements from './rows/p7-statements.js';
import search from './rows/s1-search.js';
import presence from './rows/s2-presence.js';
import scaleOut from './rows/x1-scale-out.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    env: { type: 'string', multiple: true },
    'p2-rate': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const parleyEnv = Object.fromEntries((args.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
/** --cpu-prof DIR: V8 CPU profiles of every Parley process and of the servers that stand in for it. */
const profiled = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : [];

function rows(): BenchRow[] {
  const all: BenchRow[] = [fanout, latency, writes, history, memory, logins, statements, search, presence, scaleOut];
  const only = args.only?.split(',').map((s) => s.trim().toLowerCase());
  return only ? all.filter((r) => only.includes(r.id.toLowerCase())) : all;
}

function machine() {
  const cpus = os.cpus();
  return {
    host: os.hostname(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

async function main() {
  const quick = args.quick!;
  const reps = Number(args.reps ?? 3);
  const window = quick ? { warmupMs: 1000, windowMs: 3000 } : { warmupMs: 2000, windowMs: 8000 };
  const started = new Date();
  const loadBefore = os.loadavg();
  const log = (message: string) => console.error(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${message}`);

  const selected = rows();
  log(`rows ${selected.map((r) => r.id).join(', ')}; ${reps} repetitions of ${window.windowMs / 1000} s (+${window.warmupMs / 1000} s warm-up)`);
  const database = await prepareDatabase();
  log(`database: ${database.description} (PostgreSQL ${database.serverVersion})`);
  const agents = new Map<string, Promise<Agent>>();
  const extraParleys: ParleyProcess[] = [];
  const sharedValues = new Map<string, Promise<unknown>>();
  const results: RowResult[] = [];
  const failures: { id: string; error: string }[] = [];
  let parley: ParleyProcess | undefined;
  try {
    parley = await startParley(database.url, parleyEnv, profiled);
    log(`Parley (pid ${parley.pid}) at ${parley.url}`);
    const ctx: BenchContext = {
      quick,
      reps,
      window,
      database,
      parleyEnv,
      p2Rate: args['p2-rate'] === undefined ? undefined : Number(args['p2-rate']),
      parley,
      fixtures: new Fixtures(parley.url),
      async startParley(env) {
        const p = await startParley(database.url, { ...parleyEnv, ...env }, profiled);
        extraParleys.push(p);
        return p;
      },
      agent(name, file, options) {
        if (!agents.has(name)) agents.set(name, spawnAgent(name, file, {}, options?.server ? profiled : []));
        return agents.get(name)!;
      },
      earlier: (id) => results.find((r) => r.id === id),
      shared<T>(key: string, make: () => Promise<T>) {
        if (!sharedValues.has(key)) sharedValues.set(key, make());
        return sharedValues.get(key) as Promise<T>;
      },
      log,
      interleave: (p, f) => interleave(reps, p, f),
    };
    for (const row of selected) {
      log(`${row.id}: ${row.title}`);
      try {
        const out = await row.run(ctx);
        results.push(...out);
        for (const r of out) log(`${r.id} ${r.metric}: ${summarize(r.parley).median.toFixed(2)} ${r.unit}${r.floor ? ` / ${summarize(r.floor.values).median.toFixed(2)} = ${ratioOf(r)!.toFixed(3)}` : ''}`);
      } catch (err) {
        log(`${row.id} failed: ${err instanceof Error ? err.stack : String(err)}`);
        failures.push({ id: row.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    await Promise.all([...agents.values()].map((a) => a.then((x) => x.stop(), () => {})));
    await Promise.all([parley, ...extraParleys].map((p) => p?.stop()));
    await database.drop();
  }

  const loadAfter = os.loadavg();
  const table = renderTable(results);
  const report = {
    date: started.toISOString(),
    commit: gitCommit(),
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadAfter },
    database: database.description,
    postgres: database.serverVersion,
    options: { quick, reps, ...window, env: parleyEnv, p2Rate: args['p2-rate'] ?? null },
    rows: results.map((r) => ({ ...r, ratio: ratioOf(r) ?? null, parleySummary: summarize(r.parley), floorSummary: r.floor ? summarize(r.floor.values) : null })),
    failures,
  };
  const out = args.out ?? path.join(ROOT, 'bench', 'results', `${started.toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  const m = report.machine;
  console.log(`\nParley ${report.commit}, ${report.date}, ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${database.serverVersion}`);
  console.log(`load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(1)).join(' ')}; ${reps} repetitions, median (min–max)\n`);
  console.log(table);
  for (const f of failures) console.log(`\n${f.id} failed: ${f.error}`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
  process.exit(failures.length ? 1 : 0);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
