import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { metrics } from '../observability/metrics.js';

/** The one NOTIFY channel every instance LISTENs on. */
export const EVENTS_CHANNEL = 'parley_events';

export type ChatEventKind = 'CREATED' | 'RENAMED' | 'PARTICIPANT_ADDED' | 'PARTICIPANT_REMOVED' | 'PARTICIPANT_LEFT';
export type ContactEventKind =
  | 'INVITATION_RECEIVED'
  | 'INVITATION_ACCEPTED'
  | 'INVITATION_DECLINED'
  | 'INVITATION_CANCELLED'
  | 'CONTACT_REMOVED';

/**
 * The event catalogue. Payloads carry identifiers and small fields only (NOTIFY allows 8000
 * bytes); each instance loads the rows once per event when it delivers them.
 */
export type RealtimeEvent =
  | { type: 'message.added'; chatId: number; messageId: number; senderId: number }
  | { type: 'message.read'; chatId: number; userId: number; lastReadMessageId: number; readAt: string }
  | { type: 'typing'; chatId: number; userId: number; isTyping: boolean; at: string }
  /** `userId`: the participant the change is about (added, removed, left), or the actor. */
  | { type: 'chat.updated'; kind: ChatEventKind; chatId: number; userId: number }
  /**
   * One event per affected owner: `contactId` is that owner's own entry, and `contact` its
   * state (the entry may be gone by delivery time, e.g. after CONTACT_REMOVED).
   */
  | { type: 'contact.updated'; kind: ContactEventKind; contactId: number; ownerId: number; contact: ContactSnapshot };

export interface ContactSnapshot {
  id: number;
  userId: number;
  contactId: number;
  status: 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'BLOCKED';
  direction: 'INCOMING' | 'OUTGOING';
  createdAt: string;
  updatedAt: string;
}

/**
 * Publishes an event inside the caller's transaction: PostgreSQL delivers it on commit only,
 * so a rolled-back change announces nothing and a committed one is always announced.
 */
export async function publish(db: DbOrTx, event: RealtimeEvent): Promise<void> {
  const payload = JSON.stringify({ ...event, ts: Date.now() } satisfies Published);
  // PostgreSQL refuses payloads of 8000 bytes or more; ours are far smaller by design.
  if (Buffer.byteLength(payload) >= MAX_PAYLOAD_BYTES) throw new Error(`Event payload too large: ${event.type}`);
  await db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
  metrics.eventsPublished.inc({ type: event.type });
}

/** On the wire, each event also carries when it was published, for the delivery-lag metric. */
export type Published = RealtimeEvent & { ts: number };

const MAX_PAYLOAD_BYTES = 8000;
