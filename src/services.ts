import type { AccessTokens } from './auth/access-tokens.js';
import { AuthService } from './auth/auth.service.js';
import type { LoginLimiter } from './auth/login-limiter.js';
import type { Config } from './config.js';
import { ChatsService } from './chats/chats.service.js';
import { SyncService } from './chatlog/sync.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { Db } from './db/client.js';
import { MessagesService } from './messages/messages.service.js';
import { TypingService } from './messages/typing.service.js';
import type { RealtimeHub } from './realtime/hub.js';
import { SubscriptionsService } from './realtime/subscriptions.service.js';
import { UsersService } from './users/users.service.js';

interface DataServiceDeps {
  db: Db;
  tokens: AccessTokens;
  limiter: LoginLimiter;
  config: Config;
}

/**
 * The services that need only the database: they write their changes and log entries in one
 * transaction, so scripts (such as the demo seed) use them without a server or realtime hub.
 */
export function createDataServices(deps: DataServiceDeps) {
  return {
    auth: new AuthService(deps.db, deps.tokens, deps.limiter, deps.config.refreshTokenTtl),
    users: new UsersService(deps.db),
    contacts: new ContactsService(deps.db),
    chats: new ChatsService(deps.db),
    messages: new MessagesService(deps.db),
    typing: new TypingService(deps.db, deps.config.typing),
    sync: new SyncService(deps.db),
  };
}
export type DataServices = ReturnType<typeof createDataServices>;

export function createServices(deps: DataServiceDeps & { hub: RealtimeHub }) {
  return { ...createDataServices(deps), subscriptions: new SubscriptionsService(deps.db, deps.hub) };
}
export type Services = ReturnType<typeof createServices>;
