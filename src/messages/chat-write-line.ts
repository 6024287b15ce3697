/** What became of one job of a batch: its own answer, or its own error. */
export type Outcome<R> = PromiseSettledResult<R>;

/** Writes one chat's jobs, in order, and answers for each of them in the same order. */
export type BatchWriter<J, R> = (chatId: number, jobs: J[]) => Promise<Outcome<R>[]>;

interface Waiting<J, R> {
  job: J;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * One chat's writes on this instance, one batch at a time. While a batch of a chat's jobs is
 * being written, the chat's next jobs wait here and go together in the next batch, in the
 * order they came. A chat's messages are written one commit at a time anyway: each holds the
 * chat's lock until its commit is flushed (src/db/locks.ts). Waiting for it in PostgreSQL
 * would hold a pooled connection per message and cost a transaction, a lock and a flush each;
 * here a whole batch costs one of each. A job that finds its chat idle goes at once: nothing
 * waits for company.
 */
export class ChatWriteLine<J, R> {
  /** Chats with a batch being written, and the jobs that came since. */
  private readonly lines = new Map<number, Waiting<J, R>[]>();

  constructor(
    private readonly write: BatchWriter<J, R>,
    /** The most jobs one batch carries. */
    private readonly maxBatch: number,
  ) {}

  submit(chatId: number, job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiting = { job, resolve, reject };
      const line = this.lines.get(chatId);
      if (line) line.push(waiting);
      else {
        this.lines.set(chatId, []);
        void this.run(chatId, [waiting]);
      }
    });
  }

  /** Jobs waiting in every chat's line (not those being written). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  private async run(chatId: number, batch: Waiting<J, R>[]): Promise<void> {
    try {
      const outcomes = await this.write(chatId, batch.map((w) => w.job));
      batch.forEach((w, i) => {
        const outcome = outcomes[i]!;
        if (outcome.status === 'fulfilled') w.resolve(outcome.value);
        else w.reject(outcome.reason);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
    const line = this.lines.get(chatId)!;
    if (line.length === 0) this.lines.delete(chatId);
    else void this.run(chatId, line.splice(0, this.maxBatch));
  }
}
