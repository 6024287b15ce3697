import type { LogKind } from '../chatlog/kinds.js';
import { isAfter, type Position } from '../chatlog/position.js';
import type { Now } from '../chatlog/read.js';
import type { EntryView } from '../chatlog/views.js';
import { AsyncQueue } from './async-queue.js';
import { ReactionFrames } from './reaction-frames.js';

/** What one subscription hears, and what it receives for each entry. */
export interface FeedSpec<T> {
  kinds: ReadonlySet<LogKind>;
  /** Only this chat's entries; every chat of the subscriber when null. */
  chatId: number | null;
  /** The payload for the subscriber; null to skip the entry (e.g. its chat is gone). */
  payload(view: EntryView): T | null;
}

/** Reads the subscriber's entries in (after, upTo], in log order, a page at a time. */
export type ReplayPage = (after: Position, upTo: Position, limit: number) => Promise<EntryView[]>;

const PAGE = 500;
/** The first page is small, so that its frames go out soon: every later one waits behind it. */
const FIRST_PAGE = 100;
/** A replay's next page is read once the subscriber holds fewer than this of the last. */
const REFILL_BELOW = 100;
/** Live entries held while a replay runs; past this the subscriber must resume with its cursor. */
const MAX_BUFFERED = 10_000;

/**
 * One subscription to the log. Its position is the last entry it was given (or skipped), so
 * replay, live delivery and recovery are one rule: give an entry only if it is after the
 * position. While the replay of what came before runs, live entries wait in a buffer.
 */
export class LogFeed<T = unknown> {
  readonly queue: AsyncQueue<T>;
  private position: Position;
  private buffer: EntryView[] | null = [];
  /** Reaction updates, coalesced (see reaction-frames.ts); only for feeds that hear them. */
  private readonly frames: ReactionFrames | undefined;
  /** A feed that starts "now": which entries past its start came before it (see Now). */
  private before: Pick<Now, 'horizon' | 'committedBefore'> | null;

  constructor(
    readonly userId: number,
    readonly spec: FeedSpec<T>,
    start: Position,
    onClose: () => void,
    reactionIntervalMs = 0,
    before: Pick<Now, 'horizon' | 'committedBefore'> | null = null,
  ) {
    this.position = start;
    this.before = before;
    this.frames = spec.kinds.has('REACTIONS_CHANGED') ? new ReactionFrames(reactionIntervalMs, (view) => this.deliver(view)) : undefined;
    this.queue = new AsyncQueue(() => {
      this.frames?.stop();
      onClose();
    });
  }

  /** A live entry the subscriber hears; true when it is one the subscription asked for. */
  offer(view: EntryView): boolean {
    if (!this.spec.kinds.has(view.kind) || (this.spec.chatId !== null && view.chatId !== this.spec.chatId)) return false;
    if (!this.buffer) this.emit(view);
    else if (this.buffer.length < MAX_BUFFERED) this.buffer.push(view);
    else this.queue.fail(new Error('Too far behind; resubscribe from your last cursor'));
    return true;
  }

  /**
   * Gives the first page of what came after the start position up to `upTo`; true when more
   * remains (see `replayRest`). The live entries arriving meanwhile wait until the replay ends.
   */
  async replayFirst(read: ReplayPage, upTo: Position): Promise<boolean> {
    let more = false;
    try {
      more = await this.replayPage(read, upTo, FIRST_PAGE);
      return more;
    } finally {
      if (!more) this.endReplay();
    }
  }

  /**
   * Gives the rest of the replay, then what arrived meanwhile. Each page is read once the
   * subscriber has handled all but `REFILL_BELOW` of what it was given: however long the
   * backlog, the subscriber holds no more than a page of it at a time, and a subscriber that
   * reconnects often still gets what was read before it went.
   */
  async replayRest(read: ReplayPage, upTo: Position): Promise<void> {
    try {
      do await this.subscriberCaughtUp();
      while (await this.replayPage(read, upTo, PAGE));
    } finally {
      this.endReplay();
    }
  }

  private async replayPage(read: ReplayPage, upTo: Position, limit: number): Promise<boolean> {
    if (this.queue.closed || !isAfter(upTo, this.position)) return false;
    const page = await read(this.position, upTo, limit);
    for (const view of page) this.emit(view);
    return page.length === limit;
  }

  private subscriberCaughtUp(): Promise<void> {
    return this.queue.backlogAtMost(REFILL_BELOW);
  }

  private endReplay(): void {
    const waiting = this.buffer ?? [];
    this.buffer = null;
    for (const view of waiting) this.emit(view);
  }

  private emit(view: EntryView): void {
    if (!isAfter(view.position, this.position)) return;
    this.position = view.position;
    if (this.before) {
      if (view.position.xid >= this.before.horizon) this.before = null;
      else if (this.before.committedBefore(view.position.xid)) return;
    }
    if (this.frames) this.frames.accept(view);
    else this.deliver(view);
  }

  private deliver(view: EntryView): void {
    const payload = this.spec.payload(view);
    if (payload !== null) this.queue.push(payload);
  }
}
