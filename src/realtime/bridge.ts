import postgres from 'postgres';
import type { Logger } from 'pino';
import { EVENTS_CHANNEL, type RealtimeEvent } from './events.js';

export interface BridgeHandlers {
  onEvent(event: RealtimeEvent): void;
  /** The LISTEN connection came back: notifications sent meanwhile are lost and must be re-read. */
  onReconnect(): void;
}

/**
 * One LISTEN connection per instance, never one per subscriber. postgres.js reconnects it by
 * itself and calls `onlisten` again each time; from the second call on, that is a recovery.
 */
export class EventBridge {
  private sql: postgres.Sql | undefined;
  private listening = false;
  private starts = 0;

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
    this.sql = postgres(this.url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: this.applicationName },
    });
    await this.sql.listen(
      EVENTS_CHANNEL,
      (payload) => this.receive(payload),
      () => {
        this.listening = true;
        if (this.starts++ > 0) {
          this.log.warn('LISTEN connection restored; re-reading missed events');
          this.handlers.onReconnect();
        }
      },
    );
    // postgres.js reports the loss only through the connection closing.
    this.sql.options.onclose = () => {
      this.listening = false;
    };
  }

  async stop(): Promise<void> {
    this.listening = false;
    await this.sql?.end({ timeout: 2 });
  }

  private receive(payload: string): void {
    try {
      this.handlers.onEvent(JSON.parse(payload) as RealtimeEvent);
    } catch (err) {
      this.log.error({ err, payload }, 'unreadable event');
    }
  }
}
