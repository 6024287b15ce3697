/**
 * What Parley instances tell each other, whatever carries it: the bus's protocol, in one file.
 * A signal has a kind, a topic (who needs to hear it) and small data (a NOTIFY payload must stay
 * under 8000 bytes). None carries anything a client sees: instances read what they deliver from
 * PostgreSQL, so a lost signal costs latency (the log) or is read back (revocations).
 */

/** Who needs to hear a signal: the instances serving a chat's members, one user, or all of them. */
export type Topic = { chat: number } | { user: number } | { all: true };

export interface SignalData {
  /**
   * "The chat log has new entries" for the topic's chat or user (a contact entry, a block, a
   * membership that began or ended): read the log from your position. Nothing else is said.
   */
  log: null;
  /** Typing is ephemeral: announced, never stored. */
  typing: { chatId: number; userId: number; isTyping: boolean; at: string };
  /** Sessions revoked by one call; the `last` part of a `notice` is the one to acknowledge. */
  revocation: { ids: string[]; at: string; notice: string; last: boolean };
  /** An instance applied every part of a revocation notice. */
  ack: { notice: string; by: string };
  /**
   * Presence changes, in a batch: `[userId, status, lastSeenAt (epoch ms) or null, version]`
   * each (src/realtime/presence-bus.ts). Sent to `ALL`: every instance may have an audience.
   */
  presence: { changes: [number, string, number | null, number][] };
  // One more kind is one more entry here and its channel in postgres.ts (CHANNELS); nats.ts
  // needs nothing: its subject is `parley.<topic>.<kind>`. Sent to `ALL`, every instance hears
  // it; sent to a user's topic, only the instances watching that user (interest.ts).
}

export type SignalKind = keyof SignalData;

export type Signal<K extends SignalKind = SignalKind> = K extends SignalKind ? { kind: K; topic: Topic; data: SignalData[K] } : never;

export const ALL: Topic = { all: true };

/** A topic as a short name: `chat.12`, `user.7`, `all`. */
export function topicName(topic: Topic): string {
  return 'chat' in topic ? `chat.${topic.chat}` : 'user' in topic ? `user.${topic.user}` : 'all';
}
