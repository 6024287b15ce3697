import { requireMember } from '../chats/chat-access.js';
import { CHAT_KINDS } from '../chatlog/kinds.js';
import { decodePosition } from '../chatlog/position.js';
import { positionOfMessage } from '../chatlog/read.js';
import { asUpdate } from '../chatlog/views.js';
import { notFound } from '../common/errors.js';
import { parseId, parseIntId } from '../common/ids.js';
import type { Db } from '../db/client.js';
import { feedKinds, type RealtimeHub } from './hub.js';

type Arg = string | null | undefined;

/**
 * What each subscription hears of the log, and where it starts: an optional chat the viewer
 * must belong to now (every entry is authorised again for its own position), and an optional
 * point to resume from.
 */
export class SubscriptionsService {
  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
  ) {}

  /** `after` is a message id: the stream resumes after that message's entry. */
  async messageAdded(viewerId: number, chatIdArg: Arg, afterArg: Arg) {
    const chatId = await this.chatFilter(viewerId, chatIdArg);
    let after = null;
    if (afterArg != null) {
      after = await positionOfMessage(this.db, parseId(afterArg, 'after'), viewerId);
      if (!after) throw notFound('Message');
    }
    return this.hub.subscribe(viewerId, { kinds: feedKinds('MESSAGE_ADDED'), chatId, payload: (v) => v.message }, after);
  }

  async messageRead(viewerId: number, chatIdArg: Arg) {
    const chatId = await this.chatFilter(viewerId, chatIdArg);
    return this.hub.subscribe(viewerId, { kinds: feedKinds('READ_MARKER'), chatId, payload: (v) => v.receipt }, null);
  }

  async updates(viewerId: number, afterArg: Arg, chatIdArg: Arg) {
    const chatId = await this.chatFilter(viewerId, chatIdArg);
    const after = afterArg == null ? null : decodePosition(afterArg, 'after');
    return this.hub.subscribe(viewerId, { kinds: new Set(CHAT_KINDS), chatId, payload: asUpdate }, after);
  }

  async typing(viewerId: number, chatIdArg: Arg) {
    return this.hub.typingFeed(viewerId, await this.chatFilter(viewerId, chatIdArg));
  }

  chatUpdated(viewerId: number) {
    return this.hub.subscribe(viewerId, { kinds: feedKinds('CHAT_CHANGED'), chatId: null, payload: (v) => v.chatEvent }, null);
  }

  contactUpdated(viewerId: number, afterArg: Arg) {
    const after = afterArg == null ? null : decodePosition(afterArg, 'after');
    return this.hub.subscribe(viewerId, { kinds: feedKinds('CONTACT_CHANGED'), chatId: null, payload: (v) => v.contactEvent }, after);
  }

  private async chatFilter(viewerId: number, chatIdArg: Arg): Promise<number | null> {
    if (chatIdArg == null) return null;
    const chatId = parseIntId(chatIdArg, 'chatId');
    await requireMember(this.db, chatId, viewerId);
    return chatId;
  }
}
