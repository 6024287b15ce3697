/**
 * The subscriber fleet: hundreds or thousands of WebSockets in one process, to Parley
 * (graphql-transport-ws, one subscription each) or to a floor server (raw frames), counting
 * every frame per room and, for latency runs, reading the send time carried in each message.
 * Writers that need the same clock (latency) or delivery-paced flow control run here too.
 */
import postgres from 'postgres';
import type WebSocket from 'ws';
import { openAll, rawSocket, subscribeRaw } from '../lib/gtws.js';
import { failed, postRaw } from '../lib/http.js';
import { rssBytes, serve } from '../lib/proc.js';
import { percentile } from '../lib/stats.js';

export const SUBSCRIPTION = `subscription($c: ID) { messageAdded(chatId: $c) { id chatId content sentAt sender { id firstname lastname } } }`;
const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;
/** Messages of latency runs carry their send time (performance.now() of this process). */
const SENT_AT = /"content":"t(\d+(?:\.\d+)?)"/;

export interface RoomSpec {
  chatId: string;
  /** Tokens the room's sockets use, in turn. */
  tokens: string[];
  /** Who writes to the room. */
  senderToken: string;
}

class Room {
  perSocket: number[] = [];
  /** atLeast[k]: sockets that have received at least k frames. */
  atLeast: number[] = [];
  /** Messages every socket of the room has received. */
  complete = 0;
  sent = 0;
  waiters: (() => void)[] = [];
  constructor(readonly size: number) {}
  reset() {
    this.perSocket = new Array(this.size).fill(0);
    this.atLeast = [];
    this.complete = 0;
    this.sent = 0;
  }
}

class Fleet {
  sockets: WebSocket[] = [];
  rooms: Room[] = [];
  frames = 0;
  lastFrameAt = 0;
  sample: string | undefined;
  latency: { samples: number[]; from: number; to: number } | undefined;

  handler(r: number, s: number) {
    return (frame: string) => {
      const now = performance.now();
      this.frames++;
      this.lastFrameAt = now;
      this.sample ??= frame;
      const room = this.rooms[r]!;
      const k = ++room.perSocket[s]!;
      room.atLeast[k] = (room.atLeast[k] ?? 0) + 1;
      if (room.atLeast[k] === room.size && k > room.complete) {
        room.complete = k;
        for (const w of room.waiters.splice(0)) w();
      }
      const lat = this.latency;
      if (lat) {
        const m = SENT_AT.exec(frame);
        const sentAt = m ? Number(m[1]) : NaN;
        if (sentAt >= lat.from && sentAt <= lat.to) lat.samples.push(now - sentAt);
      }
    };
  }

  reset() {
    this.frames = 0;
    for (const room of this.rooms) room.reset();
  }

  /** Waits until no frame has arrived for `quietMs` (what was sent has landed). */
  async settle(quietMs = 500, timeoutMs = 60_000): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (performance.now() - this.lastFrameAt < quietMs) {
      if (performance.now() > until) return false;
      await sleep(50);
    }
    return true;
  }
}

const fleets = new Map<string, Fleet>();
const fleet = (name: string) => {
  if (!fleets.has(name)) fleets.set(name, new Fleet());
  return fleets.get(name)!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

serve({
  /** `perRoom` sockets per room, each subscribed to its room's messageAdded. */
  async connectParley(name: string, wsUrl: string, rooms: RoomSpec[], perRoom: number) {
    const f = fleet(name);
    const base = f.rooms.length;
    rooms.forEach(() => f.rooms.push(new Room(perRoom)));
    for (const room of f.rooms) room.reset();
    const opened = await openAll(rooms.length * perRoom, 32, (i) => {
      const r = Math.floor(i / perRoom);
      const s = i % perRoom;
      const spec = rooms[r]!;
      return subscribeRaw(wsUrl, spec.tokens[s % spec.tokens.length]!, SUBSCRIPTION, { c: spec.chatId }, f.handler(base + r, s));
    });
    f.sockets.push(...opened);
    return f.sockets.length;
  },

  /** The same, to a floor server that groups sockets by `?room=`. */
  async connectFloor(name: string, wsUrl: string, rooms: number, perRoom: number) {
    const f = fleet(name);
    const base = f.rooms.length;
    for (let r = 0; r < rooms; r++) f.rooms.push(new Room(perRoom));
    for (const room of f.rooms) room.reset();
    const opened = await openAll(rooms * perRoom, 32, (i) => rawSocket(`${wsUrl}?room=${base + Math.floor(i / perRoom)}`, f.handler(base + Math.floor(i / perRoom), i % perRoom)));
    f.sockets.push(...opened);
    return f.sockets.length;
  },

  async close(name: string) {
    const f = fleets.get(name);
    if (!f) return;
    await Promise.all(f.sockets.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => { ws.terminate(); resolve(); }, 2000).unref();
    })));
    fleets.delete(name);
  },

  sample: (name: string) => fleet(name).sample,
  rss: () => rssBytes(process.pid),

  /**
   * P1: one writer per room sends as fast as the room's sockets receive, at most `inFlight`
   * messages outstanding per room; frames a second over the window. `via` is Parley's
   * sendMessage, or the floor's single statement (INSERT + pg_notify) whose notification the
   * floor server turns into frames (P1's ceiling).
   */
  async fanout(name: string, via: { parley: string } | { notify: string }, rooms: RoomSpec[], window: { warmupMs: number; windowMs: number }, inFlight: number) {
    const f = fleet(name);
    await f.settle();
    f.reset();
    const sql = 'notify' in via ? postgres(via.notify, { max: 4, onnotice: () => {} }) : undefined;
    const start = performance.now();
    const to = start + window.warmupMs + window.windowMs;
    let errors = 0;
    const failures = new Failures();
    let atFrom = 0;
    const fromTimer = setTimeout(() => (atFrom = f.frames), window.warmupMs);
    await Promise.all(
      rooms.map(async (spec, r) => {
        const room = f.rooms[r]!;
        let n = 0;
        while (performance.now() < to) {
          while (room.sent - room.complete >= inFlight) await new Promise<void>((resolve) => room.waiters.push(resolve));
          room.sent++;
          const content = `fan-out ${r}-${n++}`;
          const lost = (why: unknown) => {
            failures.note(why);
            errors++;
            room.sent--;
            for (const w of room.waiters.splice(0)) w();
          };
          if ('parley' in via) {
            const body = JSON.stringify({ query: SEND, variables: { i: { chatId: spec.chatId, content } } });
            void postRaw(via.parley, body, spec.senderToken).then((res) => failed(res) && lost(res), lost);
          } else {
            floorMessage(sql!, r, content).catch(lost);
          }
        }
      }),
    );
    const atTo = f.frames;
    clearTimeout(fromTimer);
    const drained = await waitUntil(() => f.rooms.slice(0, rooms.length).every((room) => room.complete >= room.sent), 60_000);
    await sql?.end();
    return { perSec: (atTo - atFrom) / (window.windowMs / 1000), frames: f.frames, errors, failures: failures.seen, drained };
  },

  /** P1 for a floor: frames in the window while the floor broadcasts. */
  async countWindow(name: string, window: { warmupMs: number; windowMs: number }) {
    const f = fleet(name);
    await sleep(window.warmupMs);
    const from = f.frames;
    await sleep(window.windowMs);
    return { perSec: (f.frames - from) / (window.windowMs / 1000) };
  },

  async settle(name: string) {
    const f = fleet(name);
    const settled = await f.settle();
    f.reset();
    return settled;
  },

  /**
   * P2/P6: `rate` messages a second, rooms in turn, for the warm-up and the window, without
   * waiting for answers; each carries its send time, and every frame of one sent in the window
   * gives a latency sample. `via` is Parley's sendMessage, or the floor's single statement
   * (INSERT + pg_notify) whose notification the floor server turns into frames.
   */
  async paced(
    name: string,
    via: { parley: string } | { notify: string },
    rooms: RoomSpec[],
    rate: number,
    window: { warmupMs: number; windowMs: number },
  ) {
    const f = fleet(name);
    await f.settle();
    f.reset();
    const sql = 'notify' in via ? postgres(via.notify, { max: 4, onnotice: () => {} }) : undefined;
    const start = performance.now();
    const lat = { samples: [] as number[], from: start + window.warmupMs, to: start + window.warmupMs + window.windowMs };
    f.latency = lat;
    const perRoom = f.rooms[0]!.size;
    let sent = 0;
    let inWindow = 0;
    let errors = 0;
    const failures = new Failures();
    /** Time from sending to the answer (Parley's, or the statement's), for messages sent in the window. */
    const answers: number[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; ; i++) {
      const due = start + (i * 1000) / rate;
      if (due > lat.to) break;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const r = i % rooms.length;
      const t = performance.now();
      const content = `t${t.toFixed(3)}`;
      sent++;
      const measured = t >= lat.from && t <= lat.to;
      if (measured) inWindow++;
      const answered = () => measured && answers.push(performance.now() - t);
      const done =
        'parley' in via
          ? postRaw(via.parley, JSON.stringify({ query: SEND, variables: { i: { chatId: rooms[r]!.chatId, content } } }), rooms[r]!.senderToken).then((res) => {
              answered();
              if (failed(res)) {
                failures.note(res);
                errors++;
              }
            })
          : floorMessage(sql!, r, content).then(answered);
      pending.push(
        done.catch((err: unknown) => {
          failures.note(err);
          errors++;
        }),
      );
    }
    await Promise.all(pending);
    const expected = (sent - errors) * perRoom;
    const drained = await waitUntil(() => f.frames >= expected, 60_000);
    await sql?.end();
    f.latency = undefined;
    const samples = lat.samples;
    return {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      answerP50: percentile(answers, 50),
      answerP99: percentile(answers, 99),
      samples: samples.length,
      expectedSamples: inWindow * perRoom,
      sent,
      errors,
      failures: failures.seen,
      drained,
    };
  },
});

/** The first few failures of a run, said in a line each: what a reader of the JSON file needs to tell a refusal from a lost connection. */
class Failures {
  readonly seen: string[] = [];
  note(what: { status: number; body: string } | unknown): void {
    if (this.seen.length >= 5) return;
    if (typeof what === 'object' && what !== null && 'status' in what && 'body' in what) {
      const res = what as { status: number; body: string };
      this.seen.push(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    } else {
      const err = what as { code?: string; message?: string };
      this.seen.push(`${err?.code ?? 'error'}: ${err?.message ?? String(what)}`);
    }
  }
}

/** The floor's message: one statement, whose notification the floor server turns into frames. */
function floorMessage(sql: postgres.Sql, room: number, content: string) {
  return sql`with m as (insert into bench_floor_messages (chat_id, sender_id, content) values (${room}, 1, ${content}) returning id)
             select pg_notify('bench_floor', ${`${room}:${content}`}) from m`;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) return false;
    await sleep(20);
  }
  return true;
}
