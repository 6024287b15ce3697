import type { AccessTokens } from './auth/access-tokens.js';
import { AuthService } from './auth/auth.service.js';
import type { LoginLimiter } from './auth/login-limiter.js';
import type { Config } from './config.js';
import { ChatsService } from './chats/chats.service.js';
import { ContactsService } from './contacts/contacts.service.js';
import type { Db } from './db/client.js';
import { MessagesService } from './messages/messages.service.js';
import { UsersService } from './users/users.service.js';

export function createServices(deps: { db: Db; tokens: AccessTokens; limiter: LoginLimiter; config: Config }) {
  return {
    auth: new AuthService(deps.db, deps.tokens, deps.limiter, deps.config.refreshTokenTtl),
    users: new UsersService(deps.db),
    contacts: new ContactsService(deps.db),
    chats: new ChatsService(deps.db),
    messages: new MessagesService(deps.db),
  };
}
export type Services = ReturnType<typeof createServices>;
