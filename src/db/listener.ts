import postgres from 'postgres';
import type { Logger } from 'pino';

export interface ListenerHandlers {
  onNotify(payload: string): void;
  /**
   * LISTEN is in place, at start or again after the connection was lost. Notifications sent
   * while it was not are lost (PostgreSQL keeps none for absent listeners): re-read state here.
   */
  onListen(): Promise<void>;
}

const RETRY_MS = [100, 250, 500, 1000, 2000, 5000];

/**
 * A dedicated connection that LISTENs on one channel and, unlike postgres.js's own `listen`
 * (which tries to re-listen once and then gives up silently), keeps trying with backoff for as
 * long as the database is away.
 */
export class ChannelListener {
  private sql: postgres.Sql | undefined;
  private listening = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly handlers: ListenerHandlers,
    private readonly log: Logger,
    private readonly applicationName: string,
  ) {}

  get connected(): boolean {
    return this.listening;
  }

  /** Resolves once LISTEN is in place and `onListen` has run. */
  async start(): Promise<void> {
    this.sql = postgres(this.url, {
      // `onnotify` is how postgres.js delivers notifications; its types leave it out.
      ...{ onnotify: (channel: string, payload: string) => channel === this.channel && this.receive(payload) },
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: this.applicationName },
      onclose: () => {
        if (this.stopped || !this.listening) return;
        this.listening = false;
        this.log.warn({ channel: this.channel }, 'LISTEN connection lost; reconnecting');
        this.retry(0);
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
    await this.sql!.unsafe(`listen "${this.channel}"`);
    this.listening = true;
    await this.handlers.onListen();
  }

  private receive(payload: string): void {
    try {
      this.handlers.onNotify(payload);
    } catch (err) {
      this.log.error({ err, channel: this.channel }, 'unreadable notification');
    }
  }

  private retry(attempt: number): void {
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => {
      this.listen().then(
        () => this.log.warn({ channel: this.channel }, 'LISTEN connection restored'),
        (err: unknown) => {
          if (this.stopped) return;
          this.log.warn({ err, channel: this.channel }, 'LISTEN reconnect failed; retrying');
          // A failed re-read after a successful LISTEN leaves the connection up: read again later.
          this.listening = false;
          this.retry(attempt + 1);
        },
      );
    }, delay);
    this.retryTimer.unref();
  }
}
