import type { Logger } from 'pino';
import type { AccessTokens } from './auth/access-tokens.js';
import { unauthenticated, type AppError } from './common/errors.js';
import type { Db } from './db/client.js';
import { sharedLoadersOf } from './realtime/event-scope.js';
import type { Services } from './services.js';
import { createChatLoaders } from './chats/chat.loaders.js';
import { createAttachmentLoaders } from './files/attachment.loaders.js';
import { createMessageLoaders } from './messages/message.loaders.js';
import { createReactionLoaders } from './reactions/reaction.loaders.js';
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
   * Fresh loaders for one event of a subscription (whose context lives as long as it does),
   * sharing the viewer-independent ones with the event's other subscribers.
   */
  loadersFor(this: Context, payload: object): Loaders;
}

/** Each feature's loaders; a group is made the first time one of its loaders is used. */
const GROUPS = [createUserLoaders, createChatLoaders, createMessageLoaders, createReactionLoaders, createAttachmentLoaders, createPresenceLoaders] as const;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
export type Loaders = UnionToIntersection<ReturnType<(typeof GROUPS)[number]>>;

/** The loaders whose answers do not depend on who is asking. */
export const SHARED_LOADERS = new Set(['userById', 'chatById', 'participantsByChat', 'membershipsByChat', 'messageById', 'editsByMessage', 'mentionsByMessage', 'reactionsByMessage', 'attachmentsByMessage'] as const);
type SharedName = typeof SHARED_LOADERS extends Set<infer N> ? N : never;
export type SharedLoaders = Pick<Loaders, SharedName>;

/**
 * A request's (or a subscription event's) loaders, made on first use: most operations touch a
 * few of them, and a socket holding subscriptions should not hold a dozen idle DataLoaders each.
 */
class LazyLoaders {
  readonly made: (Record<string, unknown> | undefined)[] = [];
  constructor(
    readonly db: Db,
    readonly viewerId: number | null,
    readonly shared: SharedLoaders | undefined,
  ) {}
}
GROUPS.forEach((make, i) => {
  // A group's names, read once from a throwaway instance (DataLoaders do no work when made).
  for (const name of Object.keys(make(undefined as unknown as Db, null))) {
    Object.defineProperty(LazyLoaders.prototype, name, {
      get(this: LazyLoaders) {
        const shared = this.shared as Record<string, unknown> | undefined;
        if (shared && name in shared) return shared[name];
        return (this.made[i] ??= make(this.db, this.viewerId) as Record<string, unknown>)[name];
      },
    });
  }
});

export function createLoaders(db: Db, viewerId: number | null, shared?: SharedLoaders): Loaders {
  return new LazyLoaders(db, viewerId, shared) as unknown as Loaders;
}

export function createSharedLoaders(db: Db): SharedLoaders {
  const all = createLoaders(db, null);
  return Object.fromEntries([...SHARED_LOADERS].map((name) => [name, all[name]])) as SharedLoaders;
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
  return new RequestContext(deps, viewerId, sessionId, authError, request);
}

/**
 * A class, so that its methods live once on the prototype: a subscription holds its context for
 * as long as it runs, and thousands of them should not each carry their own copies.
 */
class RequestContext implements Context {
  readonly ip: string;
  readonly userAgent: string | null;
  readonly requestId: string;
  readonly services: Services;
  loaders: Loaders;
  private logger: Logger | undefined;

  constructor(
    private readonly deps: ContextDeps,
    public viewerId: number | null,
    public sessionId: string | null,
    public authError: AppError | null,
    request: { ip: string; userAgent: string | undefined; requestId: string },
  ) {
    this.ip = request.ip;
    this.userAgent = request.userAgent ?? null;
    this.requestId = request.requestId;
    this.services = deps.services;
    this.loaders = createLoaders(deps.db, viewerId);
  }

  /** Made when first used: most operations log nothing. */
  get log(): Logger {
    return (this.logger ??= this.deps.log.child({ requestId: this.requestId }));
  }

  // `this`, not a captured context: Apollo hands resolvers a shallow copy of the context.
  actAs(userId: number, session: string): void {
    this.viewerId = userId;
    this.sessionId = session;
    this.authError = null;
    this.loaders = createLoaders(this.deps.db, userId);
  }

  loadersFor(payload: object): Loaders {
    return createLoaders(this.deps.db, this.viewerId, sharedLoadersOf(payload));
  }
}

/** The one place that decides an operation needs a signed-in user. */
export function requireViewer(ctx: Context): number {
  if (ctx.viewerId !== null) return ctx.viewerId;
  throw ctx.authError ?? unauthenticated();
}
