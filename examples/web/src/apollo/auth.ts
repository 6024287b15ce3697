import { print } from 'graphql';
import { RefreshTokenDocument, type AuthFieldsFragment, type RefreshTokenMutation } from '../gql/graphql';

/**
 * The signed-in session: tokens and the user, kept in localStorage so a reload stays signed in.
 * Access tokens live 15 minutes: `freshAccessToken()` refreshes one that is about to expire, and
 * `refreshNow()` one the server refused. Refresh tokens rotate and a reused one ends the
 * session, so one refresh runs at a time across every tab of the app (a Web Lock), and a tab
 * that finds another tab already rotated the pair takes that pair instead of refreshing again.
 */
export type Auth = AuthFieldsFragment;

const KEY = 'parley.auth';
/** Refresh when less than this is left (or a quarter of a short lifetime), so a request never leaves with a token about to lapse. */
const EARLY_MS = 60_000;

let current: Auth | null = read();
let stale = false;
const listeners = new Set<() => void>();

function read(): Auth | null {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? 'null') as Auth | null;
  } catch {
    return null;
  }
}

export function getAuth(): Auth | null {
  return current;
}

export function setAuth(auth: Auth | null) {
  current = auth;
  stale = false;
  if (auth) localStorage.setItem(KEY, JSON.stringify(auth));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export function onAuthChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signed out, or rotated the tokens: follow it.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  const next = read();
  if (next?.user.id !== current?.user.id) setAuth(next);
  else current = next;
});

/** The server refused the current access token (clock skew, a revoked session): refresh before the next use. */
export function markStale() {
  stale = true;
}

/** An access token good for at least another minute, or null when signed out. */
export async function freshAccessToken(): Promise<string | null> {
  if (!current) return null;
  if (!stale && !expiring(current)) return current.accessToken;
  return refreshNow();
}

/** Whether the access token is near its end: within a minute, or the last quarter of its lifetime (from its `iat`/`exp`). */
function expiring(auth: Auth): boolean {
  let early = EARLY_MS;
  try {
    const claims = JSON.parse(atob(auth.accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: number; exp?: number };
    if (claims.iat && claims.exp) early = Math.min(EARLY_MS, ((claims.exp - claims.iat) * 1000) / 4);
  } catch {
    // Not a JWT we can read: the minute stands.
  }
  return Date.parse(auth.expiresAt) - Date.now() < early;
}

let inflight: Promise<string | null> | null = null;

/** Exchanges the refresh token for a new pair (once, however many callers ask at the same time). */
export function refreshNow(): Promise<string | null> {
  inflight ??= withLock(rotate).finally(() => (inflight = null));
  return inflight;
}

async function rotate(): Promise<string | null> {
  const mine = current;
  if (!mine) return null;
  const stored = read();
  // Another tab rotated the pair while this one waited for the lock.
  if (stored && stored.refreshToken !== mine.refreshToken && stored.user.id === mine.user.id) {
    current = stored;
    if (!expiring(stored)) {
      stale = false;
      return stored.accessToken;
    }
  }
  const res = await fetch(new URL('/graphql', location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(RefreshTokenDocument), variables: { refreshToken: current!.refreshToken } }),
  });
  const body = (await res.json().catch(() => null)) as { data?: RefreshTokenMutation | null; errors?: { extensions?: { code?: string } }[] } | null;
  if (body?.data?.refreshToken) {
    setAuth(body.data.refreshToken);
    return body.data.refreshToken.accessToken;
  }
  // A refused refresh token (expired, reused, its session revoked) ends the session here too;
  // anything else (the server restarting) leaves it for the next attempt.
  if (body?.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) setAuth(null);
  throw new Error('Could not refresh the session');
}

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  // The lock's promise settles with the callback's result.
  return navigator.locks ? (navigator.locks.request('parley.refresh', fn) as Promise<T>) : fn();
}
