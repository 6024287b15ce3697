import type { MessageRow } from '../db/schema.js';
import { AsyncQueue } from './async-queue.js';

/** Reads stored messages newer than the feed's marks, in id order, at most `limit` at a time. */
export type ReadSince = (marks: ReadonlyMap<number, number>, since: number, limit: number) => Promise<MessageRow[]>;

const BATCH = 500;

/**
 * One `messageAdded` subscriber. Within a chat, id order is commit order, so a per-chat mark
 * (the last id delivered) says exactly what the subscriber has seen. Catching up (the `after`
 * replay, or recovery after the LISTEN connection was lost) reads everything past the marks
 * while live events wait in a buffer; the buffer is then drained, skipping what was replayed.
 */
export class MessageFeed {
  readonly queue: AsyncQueue<MessageRow>;
  private readonly marks = new Map<number, number>();
  private buffer: MessageRow[] | null = [];
  /** Catch-ups run one after another (a recovery may start while the first replay runs). */
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly userId: number,
    readonly chatId: number | null,
    private since: number,
    private readonly read: ReadSince,
    onClose: () => void,
  ) {
    this.queue = new AsyncQueue(onClose);
  }

  /** A live message the subscriber is allowed to see. */
  deliver(message: MessageRow): void {
    if (this.buffer) this.buffer.push(message);
    else this.emit(message);
  }

  catchUp(): Promise<void> {
    const run = this.running.then(() => this.replay());
    this.running = run.catch(() => {});
    return run;
  }

  private async replay(): Promise<void> {
    this.buffer ??= [];
    try {
      for (;;) {
        const rows = await this.read(this.marks, this.since, BATCH);
        for (const row of rows) this.emit(row);
        if (rows.length < BATCH || this.queue.closed) break;
      }
    } finally {
      const pending = this.buffer.sort((a, b) => a.id - b.id);
      this.buffer = null;
      for (const row of pending) this.emit(row);
    }
  }

  private emit(message: MessageRow): void {
    if (message.id <= (this.marks.get(message.chatId) ?? this.since)) return;
    this.marks.set(message.chatId, message.id);
    this.queue.push(message);
  }
}
