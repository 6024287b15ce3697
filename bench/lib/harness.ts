import type { BenchDatabase } from './database.js';
import type { Fixtures } from './fixtures.js';
import type { Window } from './http.js';
import type { ParleyProcess } from './parley.js';
import type { Agent } from './proc.js';

/** One line of the table: Parley's measurements against its floor's, one value per repetition. */
export interface RowResult {
  id: string;
  metric: string;
  unit: string;
  /** Whether more is better (throughput) or less (latency, memory); the ratio is Parley / floor either way. */
  better: 'higher' | 'lower';
  parley: number[];
  /** The same measured on a program that does only what the work needs; absent when none applies. */
  floor?: { what: string; values: number[] };
  target?: string;
  /** CPU (cores) of each process during each repetition, and anything else worth keeping. */
  details?: unknown[];
  note?: string;
}

/**
 * A benchmark row: one module under bench/rows/ exporting one of these as default. Adding a
 * row is adding a module and naming it in run.ts.
 */
export interface BenchRow {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<RowResult[]>;
}

export interface BenchContext {
  quick: boolean;
  reps: number;
  /** The warm-up and measured time of one measurement. */
  window: Window;
  database: BenchDatabase;
  /** Parley's environment beyond the benchmark's own (`--env`). */
  parleyEnv: Record<string, string>;
  /** P2's rate in messages a second, when given (`--p2-rate`) rather than half of P1's. */
  p2Rate?: number;
  /** The instance the rows share, started once for the run. */
  parley: ParleyProcess;
  fixtures: Fixtures;
  /** Another Parley process on the run's database (stopped by the caller, or at the end). */
  startParley(env?: Record<string, string>): Promise<ParleyProcess>;
  /**
   * A process for `file`, kept for the run under `name` (the same one on later calls). A
   * `server` (one that stands in for Parley, such as the stack's server) is profiled with
   * Parley under `--cpu-prof`.
   */
  agent(name: string, file: string, options?: { server?: boolean }): Promise<Agent>;
  /** Results of rows that ran before, by id (a row may size its load from another's). */
  earlier(id: string): RowResult | undefined;
  /** Values rows share (connected fleets, say), made once. */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
  log(message: string): void;
  /**
   * Runs Parley's and the floor's measurement `reps` times, alternating which goes first, so
   * that a machine getting busier or quieter weighs on both alike.
   */
  interleave<T>(parley: (rep: number) => Promise<T>, floor: (rep: number) => Promise<T>): Promise<{ parley: T[]; floor: T[] }>;
}

export async function interleave<T>(reps: number, parley: (rep: number) => Promise<T>, floor: (rep: number) => Promise<T>) {
  const out = { parley: [] as T[], floor: [] as T[] };
  for (let rep = 0; rep < reps; rep++) {
    if (rep % 2 === 0) {
      out.parley.push(await parley(rep));
      out.floor.push(await floor(rep));
    } else {
      out.floor.push(await floor(rep));
      out.parley.push(await parley(rep));
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
