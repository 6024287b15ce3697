import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { requireMember, requireNoBlock } from '../chats/chat-access.js';
import { rateLimited } from '../common/errors.js';
import { parseIntId } from '../common/ids.js';
import type { Db } from '../db/client.js';
import type { SignalSender } from '../realtime/bus/bus.js';

/** Typing indicators: published, never stored, and limited per user and chat. */
export class TypingService {
  private readonly limiter: RateLimiterMemory;

  constructor(
    private readonly db: Db,
    private readonly bus: SignalSender,
    limit: { points: number; windowSeconds: number },
  ) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'typing', points: limit.points, duration: limit.windowSeconds });
  }

  async set(viewerId: number, chatIdArg: string, isTyping: boolean): Promise<boolean> {
    const chatId = parseIntId(chatIdArg, 'chatId');
    requireNoBlock(await requireMember(this.db, chatId, viewerId));
    try {
      await this.limiter.consume(`${viewerId}:${chatId}`);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw rateLimited(Math.ceil(res.msBeforeNext / 1000));
      throw res;
    }
    await this.bus.publish({ kind: 'typing', topic: { chat: chatId }, data: { chatId, userId: viewerId, isTyping, at: new Date().toISOString() } });
    return true;
  }
}
