import type { Db } from '../db/client.js';
import { publishPresence } from '../realtime/presence-bus.js';
import { presenceState, type PresenceState } from './presence.model.js';
import { writeAway } from './presence.store.js';
import { transaction } from '../db/transaction.js';

/** A user's own say in their presence. */
export class PresenceService {
  constructor(private readonly db: Db) {}

  /**
   * AWAY while connected, until `setAway(false)` or until the user goes offline. Set while not
   * connected, it applies from the next connection (an app may call it before its socket opens).
   */
  setAway(viewerId: number, away: boolean): Promise<PresenceState> {
    return transaction(this.db, async (tx) => {
      const { change, presence } = await writeAway(tx, viewerId, away);
      if (change) await publishPresence(tx, [change]);
      return presenceState(presence);
    });
  }
}
