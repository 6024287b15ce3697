import { AccessTokens } from './auth/access-tokens.js';
import { AuthService } from './auth/auth.service.js';
import { LoginLimiter } from './auth/login-limiter.js';
import type { RevocationPropagation } from './auth/revocation-channel.js';
import { RevokedSessions } from './auth/revoked-sessions.js';
import { SessionsService } from './auth/sessions.service.js';
import type { Config } from './config.js';
import { ChatsService } from './chats/chats.service.js';
import { SyncService } from './chatlog/sync.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { Db } from './db/client.js';
import { RateLimits } from './limits/rate-limits.js';
import { MessagesService } from './messages/messages.service.js';
import { TypingService } from './messages/typing.service.js';
import type { RealtimeHub } from './realtime/hub.js';
import { SubscriptionsService } from './realtime/subscriptions.service.js';
import { SearchService } from './search/search.service.js';
import { UsersService } from './users/users.service.js';

/** What signing in needs beside the database: tokens, the sessions they must not belong to, limits. */
export function createAuthDeps(db: Db, config: Config, jwtSecret: string) {
  const revoked = new RevokedSessions(config.accessTokenTtl);
  return { revoked, tokens: new AccessTokens(jwtSecret, config.accessTokenTtl, revoked), limits: new RateLimits(db, config.rateLimits) };
}

interface DataServiceDeps {
  db: Db;
  tokens: AccessTokens;
  revoked: RevokedSessions;
  limits: RateLimits;
  config: Config;
  /** How revocations reach other instances; scripts, which keep no sockets, have none. */
  propagation?: RevocationPropagation;
}

/**
 * The services that need only the database: they write their changes and log entries in one
 * transaction, so scripts (such as the demo seed) use them without a server or realtime hub.
 */
export function createDataServices(deps: DataServiceDeps) {
  const sessions = new SessionsService(deps.db, deps.revoked, deps.propagation ?? { propagated: async () => {} });
  const loginLimiter = new LoginLimiter(deps.limits, deps.config.loginLimits);
  return {
    auth: new AuthService(deps.db, deps.tokens, loginLimiter, deps.limits, sessions, deps.config.refreshTokenTtl),
    sessions,
    users: new UsersService(deps.db),
    contacts: new ContactsService(deps.db, deps.limits),
    chats: new ChatsService(deps.db, deps.limits),
    messages: new MessagesService(deps.db, deps.limits),
    search: new SearchService(deps.db, deps.limits),
    typing: new TypingService(deps.db, deps.config.typing),
    sync: new SyncService(deps.db),
  };
}
export type DataServices = ReturnType<typeof createDataServices>;

export function createServices(deps: DataServiceDeps & { hub: RealtimeHub }) {
  return { ...createDataServices(deps), subscriptions: new SubscriptionsService(deps.db, deps.hub) };
}
export type Services = ReturnType<typeof createServices>;
