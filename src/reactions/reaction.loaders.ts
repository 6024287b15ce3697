import DataLoader from 'dataloader';
import { and, eq, sql } from 'drizzle-orm';
import { asOfKey, asOfKeyColumns, asOfKeys, listsByKey, presentAt, type AsOfKey } from '../chatlog/as-of-rows.js';
import type { Db } from '../db/client.js';
import { messageReactions as r } from '../db/schema.js';

/** Reactors listed per group: `ReactionGroup.users(first:)` goes up to this. */
export const MAX_LISTED_REACTORS = 100;

/** One emoji's reactions on a message: how many, and the first reactors in reaction order. */
export interface ReactionGroupData {
  emoji: string;
  count: number;
  userIds: number[];
}

/**
 * A page of messages costs one statement for their reactions (grouped, oldest emoji first),
 * and at most one more for the viewer's own where a group is too big to list everyone.
 */
export function createReactionLoaders(db: Db, viewerId: number | null) {
  return {
    reactionsByMessage: new DataLoader<AsOfKey, ReactionGroupData[], string>(
      async (keys) => {
        const rows = await db
          .select({
            ...asOfKeyColumns(),
            emoji: r.emoji,
            count: sql<number>`count(*)::int`,
            userIds: sql<number[]>`(array_agg(${r.userId} order by ${r.addedLogId}, ${r.id}))[1:${sql.raw(String(MAX_LISTED_REACTORS))}]`,
          })
          .from(asOfKeys(keys))
          .innerJoin(r, and(sql`${r.messageId} = k.id`, presentAt(r, sql`k.as_of`)))
          .groupBy(sql`k.id`, sql`k.as_of`, r.emoji)
          .orderBy(sql`min(${r.addedLogId})`, r.emoji);
        return listsByKey(keys, rows, ({ emoji, count, userIds }) => ({ emoji, count, userIds: userIds.map(Number) }));
      },
      { cacheKeyFn: asOfKey },
    ),
    /** The emoji the viewer reacted with, for groups too big to list in full. */
    myReactionsByMessage: new DataLoader<AsOfKey, Set<string>, string>(
      async (keys) => {
        if (viewerId === null) return keys.map(() => new Set());
        const rows = await db
          .select({ ...asOfKeyColumns(), emoji: r.emoji })
          .from(asOfKeys(keys))
          .innerJoin(r, and(sql`${r.messageId} = k.id`, eq(r.userId, viewerId), presentAt(r, sql`k.as_of`)));
        return listsByKey(keys, rows, (row) => row.emoji).map((emoji) => new Set(emoji));
      },
      { cacheKeyFn: asOfKey },
    ),
  };
}
