import { and, eq, inArray, isNull } from 'drizzle-orm';
import { MAX_GROUP_SIZE } from '../chats/chat.rules.js';
import { badInput } from '../common/errors.js';
import { parseIntIds } from '../common/ids.js';
import type { Tx } from '../db/client.js';
import { chatParticipants, messageMentions } from '../db/schema.js';

const FIELD = 'mentionIds';

/** Who a message mentions, as asked: null when the input leaves mentions as they are. */
export function parseMentionIds(values: readonly (string | number)[] | null | undefined): number[] | null {
  if (values == null) return null;
  const ids = parseIntIds(values, FIELD);
  if (ids.length > MAX_GROUP_SIZE) throw badInput(FIELD, `A message mentions at most ${MAX_GROUP_SIZE} people`);
  return ids;
}

export interface MentionChange {
  added: number[];
  removed: number[];
}

export const changesMentions = (c: MentionChange) => c.added.length > 0 || c.removed.length > 0;

/**
 * What setting a message's mentions to `wanted` changes. Only the newly named must be
 * participants now (someone mentioned earlier who has since left stays mentioned); those
 * mentioned already keep their mention from the entry that first named them, so an edit
 * notifies nobody twice. Reads only: the caller holds the chat's lock.
 */
export async function planMentions(tx: Tx, chatId: number, messageId: number | null, wanted: number[]): Promise<MentionChange> {
  const current =
    messageId === null
      ? []
      : (await tx
          .select({ userId: messageMentions.userId })
          .from(messageMentions)
          .where(and(eq(messageMentions.messageId, messageId), isNull(messageMentions.removedLogId)))).map((m) => m.userId);
  const added = wanted.filter((id) => !current.includes(id));
  const removed = current.filter((id) => !wanted.includes(id));
  if (added.length) {
    const present = await tx
      .select({ userId: chatParticipants.userId })
      .from(chatParticipants)
      .where(and(eq(chatParticipants.chatId, chatId), inArray(chatParticipants.userId, added)));
    if (present.length !== added.length) throw badInput(FIELD, 'Only participants of the chat can be mentioned');
  }
  return { added, removed };
}

/** Writes a planned change, as of the log entry that makes it. */
export async function applyMentions(tx: Tx, messageId: number, change: MentionChange, logId: number): Promise<void> {
  if (change.added.length) {
    await tx.insert(messageMentions).values(change.added.map((userId) => ({ messageId, userId, addedLogId: logId })));
  }
  if (change.removed.length) {
    await tx
      .update(messageMentions)
      .set({ removedLogId: logId })
      .where(and(eq(messageMentions.messageId, messageId), inArray(messageMentions.userId, change.removed), isNull(messageMentions.removedLogId)));
  }
}
