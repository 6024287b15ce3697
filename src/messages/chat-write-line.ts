/** What became of one job of a batch: its own answer, or its own error. */
export type Outcome<R> = PromiseSettledResult<R>;

/** One chat's jobs in a batch, in the order they came. */
export interface ChatJobs<J> {
  chatId: number;
  jobs: J[];
}

/**
 * Writes a batch: the jobs of one or more chats, each chat's in order, in one transaction; answers
 * for each job, chat by chat, in the same order.
 */
export type BatchWriter<J, R> = (batch: ChatJobs<J>[]) => Promise<Outcome<R>[][]>;

interface Waiting<J, R> {
  job: J;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** How a write line batches (see ChatWriteLine). */
export interface WriteLineOptions {
  /** The most jobs one batch carries. */
  maxBatch: number;
  /** The most batches written at once (those under `stalledMs` old). */
  maxInFlight: number;
  stalledMs: number;
}

/**
 * This instance's writes, in batches. A chat has at most one batch being written: while it is,
 * the chat's next jobs wait here and go together in its next batch, in the order they came. A
 * chat's messages are written one commit at a time anyway: each holds the chat's lock until its
 * commit is flushed (src/db/locks.ts). Waiting for it in PostgreSQL would hold a pooled
 * connection per message and cost a transaction, a lock and a flush each; here a whole batch
 * costs one of each.
 *
 * At most `maxInFlight` batches are written at once. A chat whose jobs find every one of them
 * taken waits for the next to end, and then goes with every other chat that waited, in one
 * transaction: with many chats busy at once, as many transactions, and the work of each in
 * Parley and PostgreSQL, are saved across chats as within one. A batch still unwritten after
 * `stalledMs` (waiting for a lock, say) no longer counts: one slow chat holds the others up no
 * longer than that. A job that finds its chat idle and a batch free goes at once: nothing waits
 * for company.
 */
export class ChatWriteLine<J, R> {
  /** Chats with a batch being written or waiting for one, and their jobs not yet in a batch. */
  private readonly lines = new Map<number, Waiting<J, R>[]>();
  /** Chats not being written whose jobs wait for a batch, in the order they began to wait. */
  private readonly ready: number[] = [];
  /** Batches being written that have not stalled. */
  private running = 0;

  constructor(
    private readonly write: BatchWriter<J, R>,
    private readonly options: WriteLineOptions,
  ) {}

  submit(chatId: number, job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiting = { job, resolve, reject };
      const line = this.lines.get(chatId);
      if (line) return void line.push(waiting);
      this.lines.set(chatId, [waiting]);
      this.ready.push(chatId);
      this.next();
    });
  }

  /** Jobs waiting in every chat's line (not those being written). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  /** Starts batches while some are free and chats wait: each takes the chats that wait, in turn. */
  private next(): void {
    while (this.running < this.options.maxInFlight && this.ready.length > 0) {
      const batch: { chatId: number; waiting: Waiting<J, R>[] }[] = [];
      let room = this.options.maxBatch;
      let taken = 0;
      while (room > 0 && taken < this.ready.length) {
        const chatId = this.ready[taken++]!;
        // A chat whose jobs overflow the batch keeps the rest: they go once this batch is written.
        const waiting = this.lines.get(chatId)!.splice(0, room);
        room -= waiting.length;
        batch.push({ chatId, waiting });
      }
      this.ready.splice(0, taken);
      void this.run(batch);
    }
  }

  private async run(batch: { chatId: number; waiting: Waiting<J, R>[] }[]): Promise<void> {
    this.running++;
    let counted = true;
    const stalled = setTimeout(() => {
      counted = false;
      this.running--;
      this.next();
    }, this.options.stalledMs);
    try {
      const outcomes = await this.write(batch.map(({ chatId, waiting }) => ({ chatId, jobs: waiting.map((w) => w.job) })));
      batch.forEach(({ waiting }, c) =>
        waiting.forEach((w, i) => {
          const outcome = outcomes[c]![i]!;
          if (outcome.status === 'fulfilled') w.resolve(outcome.value);
          else w.reject(outcome.reason);
        }),
      );
    } catch (err) {
      for (const { waiting } of batch) for (const w of waiting) w.reject(err);
    }
    clearTimeout(stalled);
    if (counted) this.running--;
    for (const { chatId } of batch) {
      if (this.lines.get(chatId)!.length === 0) this.lines.delete(chatId);
      else this.ready.push(chatId);
    }
    this.next();
  }
}
