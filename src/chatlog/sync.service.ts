import { badInput } from '../common/errors.js';
import type { Db } from '../db/client.js';
import { withoutSupersededReactions } from '../realtime/reaction-frames.js';
import { CHAT_KINDS } from './kinds.js';
import { decodePosition, encodePosition, isAfter, markPosition, positionOf } from './position.js';
import { highWater, readForViewer } from './read.js';
import { asUpdate, viewEntries, type EntryView, type ViewLoaders } from './views.js';

export const UPDATES_DEFAULT_FIRST = 200;
export const UPDATES_MAX_FIRST = 1000;

export interface UpdatePage {
  updates: EntryView[];
  cursor: string;
  hasMore: boolean;
}

/** Catching up over HTTP: what an app that was away missed, in log order. */
export class SyncService {
  constructor(private readonly db: Db) {}

  /** Read this, then load state, then follow `updates(after:)`: nothing falls in between. */
  async cursor(): Promise<string> {
    return encodePosition(markPosition(await highWater(this.db)));
  }

  async updates(viewerId: number, afterArg: string, first: number | null | undefined, loaders: ViewLoaders): Promise<UpdatePage> {
    const after = decodePosition(afterArg, 'after');
    const limit = first ?? UPDATES_DEFAULT_FIRST;
    if (!Number.isInteger(limit) || limit < 1 || limit > UPDATES_MAX_FIRST) throw badInput('first', `first must be between 1 and ${UPDATES_MAX_FIRST}`);
    // One mark for the read and for the cursor: the cursor never passes what was read.
    const below = await highWater(this.db);
    const entries = await readForViewer(this.db, viewerId, { after, below, kinds: CHAT_KINDS, limit: limit + 1 });
    const hasMore = entries.length > limit;
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    let reached = last ? positionOf(last) : after;
    if (!hasMore && isAfter(markPosition(below), reached)) reached = markPosition(below);
    const views = await viewEntries(withoutSupersededReactions(page), loaders);
    return { updates: views.map(asUpdate).filter((v) => v !== null), cursor: encodePosition(reached), hasMore };
  }
}
