import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { metrics } from '../observability/metrics.js';

/** The one NOTIFY channel every instance LISTENs on. */
export const EVENTS_CHANNEL = 'parley_events';

/**
 * "The log has new entries": the whole of a wake-up. Instances read the log itself, so a lost
 * wake-up costs latency, never data; identical payloads fold into one per transaction.
 */
export const WAKE = 'log';

/** Typing is ephemeral: announced, never stored or logged. */
export interface TypingSignal {
  type: 'typing';
  chatId: number;
  userId: number;
  isTyping: boolean;
  at: string;
}

export async function publishTyping(db: DbOrTx, signal: Omit<TypingSignal, 'type'>): Promise<void> {
  await db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ type: 'typing', ...signal })})`);
  metrics.eventsPublished.inc({ type: 'typing' });
}

/** What a notification says: a wake-up, a typing signal, or nothing Parley knows. */
export function parseSignal(payload: string): typeof WAKE | TypingSignal | null {
  if (payload === WAKE) return WAKE;
  try {
    const signal = JSON.parse(payload) as TypingSignal;
    return signal?.type === 'typing' ? signal : null;
  } catch {
    return null;
  }
}
