import type { AccessTokens } from './auth/access-tokens.js';
import { AuthService } from './auth/auth.service.js';
import type { LoginLimiter } from './auth/login-limiter.js';
import type { Config } from './config.js';
import { ChatsService } from './chats/chats.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { Db } from './db/client.js';
import { MessagesService } from './messages/messages.service.js';
import { TypingService } from './messages/typing.service.js';
import type { RealtimeHub } from './realtime/hub.js';
import { SubscriptionsService } from './realtime/subscriptions.service.js';
import { UsersService } from './users/users.service.js';

export function createServices(deps: { db: Db; tokens: AccessTokens; limiter: LoginLimiter; config: Config; hub: RealtimeHub }) {
  return {
    auth: new AuthService(deps.db, deps.tokens, deps.limiter, deps.config.refreshTokenTtl),
    users: new UsersService(deps.db),
    contacts: new ContactsService(deps.db),
    chats: new ChatsService(deps.db),
    messages: new MessagesService(deps.db),
    typing: new TypingService(deps.db, deps.config.typing),
    subscriptions: new SubscriptionsService(deps.db, deps.hub),
  };
}
export type Services = ReturnType<typeof createServices>;
