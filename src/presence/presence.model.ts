/** What others see of a user's connection. GraphQL registers this enum (presence.types.ts). */
export enum PresenceStatus {
  ONLINE = 'ONLINE',
  AWAY = 'AWAY',
  OFFLINE = 'OFFLINE',
}

/** A user's presence as the API shows it. */
export interface PresenceState {
  status: PresenceStatus;
  /** While OFFLINE: when the user was last connected (null if never). Null while connected. */
  lastSeenAt: Date | null;
}

/** What is stored of a user's presence (src/db/schema.ts, `user_presence`). */
export interface StoredPresence {
  online: boolean;
  away: boolean;
  lastSeenAt: Date | null;
}

/** One user's presence after a change, as instances tell each other; `version` orders a user's changes. */
export interface PresenceChange {
  userId: number;
  state: PresenceState;
  version: number;
}

/** The one rule from stored flags to status: AWAY is an online user's own choice; no row is never seen. */
export function presenceState(row: StoredPresence | null): PresenceState {
  if (!row?.online) return { status: PresenceStatus.OFFLINE, lastSeenAt: row?.lastSeenAt ?? null };
  return { status: row.away ? PresenceStatus.AWAY : PresenceStatus.ONLINE, lastSeenAt: null };
}

/** Two states a viewer could tell apart. */
export const sameState = (a: PresenceState, b: PresenceState) => a.status === b.status && a.lastSeenAt?.getTime() === b.lastSeenAt?.getTime();
