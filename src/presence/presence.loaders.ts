import DataLoader from 'dataloader';
import type { Db } from '../db/client.js';
import { presenceState, type PresenceState } from './presence.model.js';
import { visiblePresence } from './presence.store.js';

/** Users' presence as the viewer may see it: null where their `lastSeen` setting or a block hides it. */
export function createPresenceLoaders(db: Db, viewerId: number | null) {
  return {
    presenceOf: new DataLoader<number, PresenceState | null>(async (userIds) => {
      if (viewerId === null) return userIds.map(() => null);
      const visible = await visiblePresence(db, viewerId, userIds);
      return userIds.map((id) => (visible.has(id) ? presenceState(visible.get(id)!) : null));
    }),
  };
}
