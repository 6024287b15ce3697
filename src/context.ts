import type { Logger } from 'pino';
import type { AccessTokens } from './auth/access-tokens.js';
import { unauthenticated, type AppError } from './common/errors.js';
import type { Db } from './db/client.js';
import { sharedLoadersOf } from './realtime/event-scope.js';
import type { Services } from './services.js';
import { createChatLoaders } from './chats/chat.loaders.js';
import { createMessageLoaders } from './messages/message.loaders.js';
import { createPresenceLoaders } from './presence/presence.loaders.js';
import { createUserLoaders } from './users/user.loaders.js';

/** Per request (HTTP) or per operation (WebSocket): who is asking, and request-scoped loaders. */
export interface Context {
  viewerId: number | null;
  /** The session of the viewer's token (set whenever `viewerId` is). */
  sessionId: string | null;
  /** Why a presented token was refused; raised only when an operation needs a viewer. */
  authError: AppError | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
  log: Logger;
  services: Services;
  loaders: Loaders;
  /** After register/login/refresh, the rest of the request acts as the signed-in user. */
  actAs(this: Context, userId: number, sessionId: string): void;
  /**
   * A subscription's context lives as long as it does: each event starts with fresh loaders,
   * sharing the viewer-independent ones with the event's other subscribers.
   */
  renewLoaders(this: Context, payload: object): void;
}

function buildLoaders(db: Db, viewerId: number | null) {
  return { ...createUserLoaders(db, viewerId), ...createChatLoaders(db, viewerId), ...createMessageLoaders(db), ...createPresenceLoaders(db, viewerId) };
}
export type Loaders = ReturnType<typeof buildLoaders>;

/** The loaders whose answers do not depend on who is asking. */
const SHARED = ['userById', 'chatById', 'participantsByChat', 'membershipsByChat', 'messageById', 'editsByMessage'] as const;
export type SharedLoaders = Pick<Loaders, (typeof SHARED)[number]>;

export function createLoaders(db: Db, viewerId: number | null, shared?: SharedLoaders): Loaders {
  return { ...buildLoaders(db, viewerId), ...shared };
}

export function createSharedLoaders(db: Db): SharedLoaders {
  const all = createLoaders(db, null);
  return Object.fromEntries(SHARED.map((name) => [name, all[name]])) as SharedLoaders;
}

export interface ContextDeps {
  db: Db;
  tokens: AccessTokens;
  services: Services;
  log: Logger;
}

export async function buildContext(
  deps: ContextDeps,
  request: { token: string | undefined; ip: string; userAgent: string | undefined; requestId: string },
): Promise<Context> {
  let viewerId: number | null = null;
  let sessionId: string | null = null;
  let authError: AppError | null = null;
  if (request.token) {
    try {
      ({ userId: viewerId, sessionId } = await deps.tokens.verify(request.token));
    } catch (err) {
      authError = err as AppError;
    }
  }
  const ctx: Context = {
    viewerId,
    sessionId,
    authError,
    ip: request.ip,
    userAgent: request.userAgent ?? null,
    requestId: request.requestId,
    log: deps.log.child({ requestId: request.requestId }),
    services: deps.services,
    loaders: createLoaders(deps.db, viewerId),
    // `this`, not `ctx`: Apollo hands resolvers a shallow copy of the context.
    actAs(this: Context, userId: number, session: string) {
      this.viewerId = userId;
      this.sessionId = session;
      this.authError = null;
      this.loaders = createLoaders(deps.db, userId);
    },
    renewLoaders(this: Context, payload: object) {
      this.loaders = createLoaders(deps.db, this.viewerId, sharedLoadersOf(payload));
    },
  };
  return ctx;
}

/** The one place that decides an operation needs a signed-in user. */
export function requireViewer(ctx: Context): number {
  if (ctx.viewerId !== null) return ctx.viewerId;
  throw ctx.authError ?? unauthenticated();
}
