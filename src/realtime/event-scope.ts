import type { SharedLoaders } from '../context.js';

/**
 * An event reaches many subscribers, each resolving its fields in its own context. Loaders that
 * do not depend on the viewer (users, chats, participants, messages) are shared among them, so
 * an event costs one query per kind of row rather than one per subscriber.
 */
const scopes = new WeakMap<object, SharedLoaders>();

export function shareAcrossSubscribers<T extends object>(payload: T, loaders: SharedLoaders): T {
  scopes.set(payload, loaders);
  return payload;
}

export function sharedLoadersOf(payload: object): SharedLoaders | undefined {
  return scopes.get(payload);
}
