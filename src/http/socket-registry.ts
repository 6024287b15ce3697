import type { WebSocket } from 'ws';

/** Close codes of the WebSocket endpoint beyond graphql-ws's own (README, "WebSocket close codes"). */
export const SocketClose = {
  /** The instance is full, or the socket could not keep up: a client retries (graphql-ws does). */
  TryAgainLater: 1013,
  /** Too many sockets of this user or address: graphql-ws treats it as fatal, close others first. */
  TooManyConnections: 4429,
  /** The token expired or its session was revoked: reconnect with a fresh token. */
  Forbidden: 4403,
} as const;

export interface SocketCaps {
  maxSocketsPerUser: number;
  maxSocketsPerIp: number;
  maxSockets: number;
}

export interface Refusal {
  code: number;
  reason: string;
  /** The metrics label. */
  cause: string;
}

/** Told when a user's first socket on this instance is accepted and when their last one closes (presence). */
export interface UserSocketsWatcher {
  firstOpened(userId: number): void;
  lastClosed(userId: number): void;
}

interface Entry {
  ip: string;
  userId?: number;
  sessionId?: string;
}

/**
 * This instance's open sockets, counted in all, per client address and per user, and indexed by
 * session so that a revoked session's sockets can be closed. A socket leaves when it closes.
 */
export class SocketRegistry {
  private readonly entries = new Map<WebSocket, Entry>();
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<number, number>();
  private readonly perSession = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly caps: SocketCaps,
    private readonly watcher?: UserSocketsWatcher,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A new socket, before `connection_init`: refused when the instance or its address is full. */
  admit(socket: WebSocket, ip: string): Refusal | null {
    if (this.entries.size >= this.caps.maxSockets) return { code: SocketClose.TryAgainLater, reason: 'Server full, try again later', cause: 'instance_cap' };
    if ((this.perIp.get(ip) ?? 0) >= this.caps.maxSocketsPerIp) return { code: SocketClose.TooManyConnections, reason: 'Too many connections from this address', cause: 'address_cap' };
    this.entries.set(socket, { ip });
    increment(this.perIp, ip, 1);
    socket.once('close', () => this.remove(socket));
    return null;
  }

  /** The socket's token was accepted: refused when the user already has the most sockets allowed. */
  authenticate(socket: WebSocket, userId: number, sessionId: string): Refusal | null {
    const entry = this.entries.get(socket);
    if (!entry) return { code: SocketClose.TryAgainLater, reason: 'Connection closed', cause: 'closed' };
    if ((this.perUser.get(userId) ?? 0) >= this.caps.maxSocketsPerUser) return { code: SocketClose.TooManyConnections, reason: 'Too many connections for this user', cause: 'user_cap' };
    Object.assign(entry, { userId, sessionId });
    if (increment(this.perUser, userId, 1) === 1) this.watcher?.firstOpened(userId);
    let sockets = this.perSession.get(sessionId);
    if (!sockets) this.perSession.set(sessionId, (sockets = new Set()));
    sockets.add(socket);
    return null;
  }

  /** Every socket of these sessions (on this instance). */
  socketsOf(sessionIds: readonly string[]): WebSocket[] {
    return sessionIds.flatMap((id) => [...(this.perSession.get(id) ?? [])]);
  }

  private remove(socket: WebSocket): void {
    const entry = this.entries.get(socket);
    if (!entry) return;
    this.entries.delete(socket);
    increment(this.perIp, entry.ip, -1);
    if (entry.userId !== undefined && increment(this.perUser, entry.userId, -1) === 0) this.watcher?.lastClosed(entry.userId);
    if (entry.sessionId !== undefined) {
      const sockets = this.perSession.get(entry.sessionId);
      sockets?.delete(socket);
      if (sockets?.size === 0) this.perSession.delete(entry.sessionId);
    }
  }
}

/** Returns the new count. */
function increment<K>(counts: Map<K, number>, key: K, by: number): number {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
  return next;
}
