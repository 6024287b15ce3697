import type { EntryView } from '../chatlog/views.js';

/**
 * Coalesces reaction updates for one subscriber, so that a burst of N reactions reaches it as a
 * few frames per second carrying the latest totals, never N frames.
 *
 * Entries arrive in log order. A REACTIONS_CHANGED entry is held while the previous reaction
 * frame went out less than `intervalMs` ago; a later one of the same message replaces it (it
 * shows newer totals, and it will be delivered). Anything else flushes what is held first, so
 * every frame still carries its own entry's cursor and state, frames keep log order, and no
 * cursor a subscriber receives ever passes an entry it has not received or seen superseded. So
 * reaction frames go out at most once per interval, plus once before each other frame.
 */
export class ReactionFrames {
  /** In log order, at most one per message. */
  private held: EntryView[] = [];
  private lastFlush = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (view: EntryView) => void,
  ) {}

  /** The next entry for the subscriber, in log order. */
  accept(view: EntryView): void {
    const messageId = view.kind === 'REACTIONS_CHANGED' ? view.entry.messageId : null;
    if (messageId === null) {
      this.flush();
      this.deliver(view);
      return;
    }
    this.held = this.held.filter((h) => h.entry.messageId !== messageId);
    this.held.push(view);
    const wait = this.lastFlush + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length === 0) return;
    const views = this.held;
    this.held = [];
    this.lastFlush = Date.now();
    for (const view of views) this.deliver(view);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
  }
}

/**
 * A page of entries for one reader without the REACTIONS_CHANGED entries that a later one of the
 * same message in the same page supersedes: the reader gets that one, with the newer totals.
 */
export function withoutSupersededReactions<E extends { kind: string; messageId: number | null }>(entries: E[]): E[] {
  const latest = new Map<number, E>();
  for (const e of entries) if (e.kind === 'REACTIONS_CHANGED' && e.messageId !== null) latest.set(e.messageId, e);
  return entries.filter((e) => e.kind !== 'REACTIONS_CHANGED' || e.messageId === null || latest.get(e.messageId) === e);
}
