import { eq } from 'drizzle-orm';
import { requireMember } from '../chats/chat-access.js';
import { badInput } from '../common/errors.js';
import { parseIntId } from '../common/ids.js';
import { checkPageSize, type Page } from '../common/pagination.js';
import type { Db } from '../db/client.js';
import { chatParticipants, type MessageRow } from '../db/schema.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { renderHighlight } from './highlight.js';
import { decodeSearchCursor, encodeSearchCursor, searchFingerprint } from './search-cursor.js';
import { parseSearchQuery } from './search-query.js';
import { compileTerms, searchStatement } from './search.statements.js';

export const SEARCH_PAGE = { defaultSize: 20, maxSize: 50 } as const;

export interface MessageSearchArgs {
  query: string;
  chatId?: string | null;
  first?: number | null;
  after?: string | null;
}

export interface MessageSearchHit {
  message: MessageRow;
  highlight: string;
  /** Its rank: with the id, its place in the results (what cursors hold). */
  score: number;
}

export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly limits: RateLimits,
  ) {}

  /**
   * The viewer's messages that match `query`, best first (then newest first), in the chats the
   * viewer is in now — all of them, or the one named (NOT_FOUND to anyone else). Deleted
   * messages have no text and are never found; edited ones are found by their current text.
   */
  async searchMessages(viewerId: number, args: MessageSearchArgs): Promise<Page<MessageSearchHit>> {
    await this.limits.consume('messageSearch', viewerId);
    const { normalized, terms } = parseSearchQuery(args.query);
    const chatId = args.chatId == null ? null : parseIntId(args.chatId, 'chatId');
    checkPageSize('first', args.first, SEARCH_PAGE.maxSize);
    const first = args.first ?? SEARCH_PAGE.defaultSize;
    const fingerprint = searchFingerprint(normalized, chatId);
    const after = args.after == null ? null : decodeSearchCursor(args.after, fingerprint);

    const [query, chatIds] = await Promise.all([compileTerms(this.db, terms), this.chatsToSearch(viewerId, chatId)]);
    if (query.tsquery === null && query.substrings.length === 0) throw badInput('query', 'query has no words to search for');
    const rows = chatIds.length === 0 ? [] : await searchStatement(this.db, { query, chatIds, after, limit: first + 1 });

    const nodes = rows.slice(0, first).map((row) => ({
      message: row.message,
      highlight: renderHighlight(row.marked, query.marks),
      score: row.score,
    }));
    const cursorOf = (hit: MessageSearchHit) => encodeSearchCursor(fingerprint, { score: hit.score, id: hit.message.id });
    return {
      nodes,
      cursorOf,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== null,
        startCursor: nodes[0] ? cursorOf(nodes[0]) : null,
        endCursor: nodes.length ? cursorOf(nodes[nodes.length - 1]!) : null,
      },
    };
  }

  /** The one chat asked for (if the viewer is in it), or every chat the viewer is in now. */
  private async chatsToSearch(viewerId: number, chatId: number | null): Promise<number[]> {
    if (chatId !== null) {
      await requireMember(this.db, chatId, viewerId);
      return [chatId];
    }
    const rows = await this.db.select({ chatId: chatParticipants.chatId }).from(chatParticipants).where(eq(chatParticipants.userId, viewerId));
    return rows.map((r) => r.chatId);
  }
}
