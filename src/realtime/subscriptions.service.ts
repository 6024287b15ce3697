import { requireMember } from '../chats/chat-access.js';
import { parseId, parseIntId } from '../common/ids.js';
import type { Db } from '../db/client.js';
import type { RealtimeHub } from './hub.js';

/**
 * What a subscription may start with: an optional chat the viewer must belong to now (every
 * later event is authorised again at delivery), and for messages an optional replay point.
 */
export class SubscriptionsService {
  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
  ) {}

  async messageAdded(viewerId: number, chatIdArg: string | null | undefined, afterArg: string | null | undefined) {
    const chatId = await this.chatFilter(viewerId, chatIdArg);
    const after = afterArg == null ? null : parseId(afterArg, 'after');
    return this.hub.messageFeed(viewerId, chatId, after);
  }

  async messageRead(viewerId: number, chatIdArg: string | null | undefined) {
    return this.hub.readFeed(viewerId, await this.chatFilter(viewerId, chatIdArg));
  }

  async typing(viewerId: number, chatIdArg: string | null | undefined) {
    return this.hub.typingFeed(viewerId, await this.chatFilter(viewerId, chatIdArg));
  }

  chatUpdated(viewerId: number) {
    return this.hub.chatFeed(viewerId);
  }

  contactUpdated(viewerId: number) {
    return this.hub.contactFeed(viewerId);
  }

  private async chatFilter(viewerId: number, chatIdArg: string | null | undefined): Promise<number | null> {
    if (chatIdArg == null) return null;
    const chatId = parseIntId(chatIdArg, 'chatId');
    await requireMember(this.db, chatId, viewerId);
    return chatId;
  }
}
