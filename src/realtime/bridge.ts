import postgres from 'postgres';
import type { Logger } from 'pino';
import { FAIL_FAST } from '../db/client.js';
import { metrics } from '../observability/metrics.js';
import { EVENTS_CHANNEL, parseSignal, WAKE, type TypingSignal } from './events.js';
import { PRESENCE_CHANNEL } from './presence-bus.js';

export interface BridgeHandlers {
  /** The log has new entries. */
  onWake(): void;
  onTyping(signal: TypingSignal): void;
  /** A batch of presence changes (presence-bus.ts decodes it). */
  onPresence(payload: string): void;
  /** The LISTEN connection, lost at `lostAt` (ms), came back: notifications sent meanwhile are lost, so read the log. */
  onReconnect(lostAt: number): void;
}

const RETRY_MS = [100, 250, 500, 1000, 2000];

/**
 * One LISTEN connection per instance, never one per subscriber. When the connection drops it
 * is re-established (with backoff, for as long as it takes), and the hub reads the log.
 */
export class EventBridge {
  private sql: postgres.Sql | undefined;
  private listening = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: BridgeHandlers,
    private readonly log: Logger,
    private readonly applicationName = 'parley-listen',
  ) {}

  /** Whether the LISTEN connection is up (for /readyz). */
  get connected(): boolean {
    return this.listening;
  }

  async start(): Promise<void> {
    // `onnotify` is how postgres.js's own listen() receives notifications; it is not in its types.
    const notifications = {
      onnotify: (channel: string, payload: string) => {
        if (channel === EVENTS_CHANNEL) this.receive(payload);
        else if (channel === PRESENCE_CHANNEL) this.handlers.onPresence(payload);
      },
    };
    this.sql = postgres(this.url, {
      ...notifications,
      ...FAIL_FAST,
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: this.applicationName },
      onclose: () => {
        if (this.stopped || !this.listening) return;
        this.listening = false;
        this.log.warn('LISTEN connection lost; reconnecting');
        this.relisten(0, Date.now());
      },
    });
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    clearTimeout(this.retryTimer);
    await this.sql?.end({ timeout: 2 });
  }

  private async listen(): Promise<void> {
    for (const channel of [EVENTS_CHANNEL, PRESENCE_CHANNEL]) await this.sql!.unsafe(`listen "${channel}"`);
    this.listening = true;
  }

  private relisten(attempt: number, lostAt: number): void {
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => {
      this.listen().then(
        () => {
          this.log.warn('LISTEN connection restored; reading the log');
          metrics.listenReconnects.inc();
          this.handlers.onReconnect(lostAt);
        },
        (err: unknown) => {
          if (this.stopped) return;
          this.log.warn({ err }, 'LISTEN reconnect failed; retrying');
          this.relisten(attempt + 1, lostAt);
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  private receive(payload: string): void {
    const signal = parseSignal(payload);
    if (signal === WAKE) this.handlers.onWake();
    else if (signal) this.handlers.onTyping(signal);
    else this.log.warn('unreadable notification');
  }
}
