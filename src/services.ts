import { AccessTokens } from './auth/access-tokens.js';
import { AuthService } from './auth/auth.service.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { Passwords } from './auth/passwords.js';
import type { RevocationPropagation } from './auth/revocation-channel.js';
import { RevokedSessions } from './auth/revoked-sessions.js';
import { SessionsService } from './auth/sessions.service.js';
import type { Config } from './config.js';
import { ChatsService } from './chats/chats.service.js';
import { SyncService } from './chatlog/sync.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { Db } from './db/client.js';
import type { MessageAttachments } from './files/attachments.js';
import type { Files } from './files/files.js';
import { setCommitHook } from './db/transaction.js';
import { RateLimits } from './limits/rate-limits.js';
import { MessagesService } from './messages/messages.service.js';
import { NotificationsService } from './notifications/notifications.service.js';
import { ReactionsService } from './reactions/reactions.service.js';
import { TypingService } from './messages/typing.service.js';
import type { SignalSender } from './realtime/bus/bus.js';
import { postgresSender } from './realtime/bus/postgres.js';
import { PresenceService } from './presence/presence.service.js';
import type { RealtimeHub } from './realtime/hub.js';
import type { PresenceRuntime } from './realtime/presence.js';
import { SubscriptionsService } from './realtime/subscriptions.service.js';
import { SearchService } from './search/search.service.js';
import { UsersService } from './users/users.service.js';

/** What signing in needs beside the database: tokens, the sessions they must not belong to, limits. */
export function createAuthDeps(db: Db, config: Config, jwtSecret: string) {
  const revoked = new RevokedSessions(config.accessTokenTtl);
  return {
    revoked,
    tokens: new AccessTokens(jwtSecret, config.accessTokenTtl, revoked),
    limits: new RateLimits(db, config.rateLimits),
    passwords: new Passwords(config.passwords),
  };
}

interface DataServiceDeps {
  db: Db;
  tokens: AccessTokens;
  revoked: RevokedSessions;
  limits: RateLimits;
  passwords: Passwords;
  config: Config;
  /** How revocations reach other instances; scripts, which keep no sockets, have none. */
  propagation?: RevocationPropagation;
  /** Files in messages; scripts, which have no storage, send text only. */
  attachments?: MessageAttachments;
  /** How changes are announced to instances (the event bus); scripts NOTIFY through `db`. */
  bus?: SignalSender;
}

/**
 * The services that need only the database: they write their changes and log entries in one
 * transaction, so scripts (such as the demo seed) use them without a server or realtime hub.
 */
export function createDataServices(deps: DataServiceDeps) {
  const bus = deps.bus ?? postgresSender(deps.db);
  setCommitHook(deps.db, bus.commitHook);
  const sessions = new SessionsService(deps.db, deps.revoked, deps.propagation ?? { propagated: async () => {} });
  const loginLimiter = new LoginLimiter(deps.limits, deps.config.loginLimits);
  return {
    auth: new AuthService(deps.db, deps.tokens, loginLimiter, deps.limits, sessions, deps.passwords, deps.config.refreshTokenTtl),
    sessions,
    users: new UsersService(deps.db),
    contacts: new ContactsService(deps.db, deps.limits),
    chats: new ChatsService(deps.db, deps.limits),
    messages: new MessagesService(deps.db, deps.limits, deps.config.messageWrites, deps.attachments),
    reactions: new ReactionsService(deps.db, deps.limits),
    notifications: new NotificationsService(deps.db),
    search: new SearchService(deps.db, deps.limits),
    typing: new TypingService(deps.db, bus, deps.config.typing),
    sync: new SyncService(deps.db),
    presence: new PresenceService(deps.db),
  };
}
export type DataServices = ReturnType<typeof createDataServices>;

export function createServices(deps: DataServiceDeps & { hub: RealtimeHub; files: Files; presence: Pick<PresenceRuntime, 'subscribe'> }) {
  return {
    ...createDataServices({ ...deps, attachments: deps.files.attachments }),
    subscriptions: new SubscriptionsService(deps.db, deps.hub),
    files: deps.files,
    presenceFeed: deps.presence,
  };
}
export type Services = ReturnType<typeof createServices>;
