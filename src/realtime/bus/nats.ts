import { connect, Events, type KV, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from 'pino';
import { NATS_STARTUP_WAIT_MS } from '../../config.js';
import type { Announcements, CommitHook } from '../../db/transaction.js';
import { metrics } from '../../observability/metrics.js';
import { HandlerRegistry, type EventBus } from './bus.js';
import { ALL, topicName, type Signal, type SignalKind, type Topic } from './signals.js';

/** Subjects are `parley.<topic>.<kind>`: `parley.chat.12.log`, `parley.user.7.log`, `parley.all.revocation`. */
const PREFIX = 'parley';
/** Live instances, each a key refreshed every HEARTBEAT_MS that JetStream drops after REGISTRY_TTL_MS. */
const REGISTRY = 'parley_instances';
const HEARTBEAT_MS = 2000;
const REGISTRY_TTL_MS = 3 * HEARTBEAT_MS;

/** The longest a new subscription waits for the server's acknowledgement. */
const FLUSH_WAIT_MS = 5000;
/** Start-up tries again this often while NATS, or its JetStream, is not up yet. */
const STARTUP_RETRY_MS = 250;

const subject = (topic: Topic, kind: SignalKind) => `${PREFIX}.${topicName(topic)}.${kind}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `nats://user:secret@host:4222` as `nats://host:4222`, for messages. */
export const describeNatsUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

/**
 * NATS as the bus: writers take no NOTIFY lock (they publish after their commit), and an
 * instance hears a chat's or a user's signals only while it watches them: while it serves a
 * member of the chat, or the user. Broadcasts (revocations and their acknowledgements) go to
 * `parley.all.*`, which every instance hears. Core NATS is at-most-once: a wake-up lost with a
 * connection, or never sent because a writer died between commit and publish, is made up by
 * each instance's sweep of the log (EVENT_SWEEP_MS); revocations likewise (revocation-channel.ts).
 * Instances count each other in a JetStream key-value bucket, `parley_instances`.
 */
export class NatsBus extends HandlerRegistry implements EventBus {
  readonly kind = 'nats';
  readonly routesByTopic = true;
  readonly commitHook: CommitHook;
  private nc: NatsConnection | undefined;
  private registry: KV | undefined;
  private readonly watched = new Map<string, Subscription>();
  private up = false;
  private lostAt = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    log: Logger,
    private readonly instanceId: string,
    /** How long start-up waits for a NATS server that refuses connections, or whose JetStream is not up. */
    private readonly startupWaitMs = NATS_STARTUP_WAIT_MS,
  ) {
    super(log);
    this.commitHook = {
      signalsInTransaction: false,
      notifyIn: () => Promise.reject(new Error('NATS announces after the commit')),
      committed: (announced) => this.announce(announced),
    };
  }

  get connected(): boolean {
    return this.up;
  }

  /**
   * Connects and joins the registry. NATS starting at the same moment (a container beside this
   * one) refuses connections at first, and its JetStream answers "no responders" (503) a moment
   * longer: both are waited for, up to `startupWaitMs`, and then reported.
   */
  async start(): Promise<void> {
    const deadline = Date.now() + this.startupWaitMs;
    this.nc = await this.retrying(deadline, 'CONNECTION_REFUSED', () =>
      connect({
        servers: this.url.split(',').map((s) => s.trim()),
        name: `parley-${this.instanceId}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
        maxPingOut: 2,
      }),
    );
    this.up = true;
    void this.followStatus(this.nc);
    this.nc.subscribe(`${PREFIX}.${topicName(ALL)}.*`, { callback: (err, msg) => this.receive(err, msg) });
    await this.nc.flush();
    const jetStream = this.nc.jetstream({ timeout: 2000 });
    this.registry = await this.retrying(deadline, '503', () => jetStream.views.kv(REGISTRY, { ttl: REGISTRY_TTL_MS, history: 1 })).catch(
      (err: { code?: string }) => {
        // Still no responders on $JS.API: the server runs without JetStream.
        throw err.code === '503' ? new Error('no JetStream on this server') : err;
      },
    );
    await this.registry.put(this.instanceId, encoder.encode(new Date().toISOString()));
    this.heartbeat = setInterval(() => void this.register(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    const up = this.up;
    this.up = false;
    // Connected: leave the registry at once and deliver what is still buffered. Otherwise just close.
    if (!up) return nc.close();
    await this.registry?.delete(this.instanceId).catch(() => {});
    await nc.drain().catch(() => nc.close());
  }

  async publish(signal: Signal): Promise<void> {
    this.nc!.publish(subject(signal.topic, signal.kind), signal.data === null ? undefined : encoder.encode(JSON.stringify(signal.data)));
    metrics.eventsPublished.inc({ type: signal.kind });
  }

  async watch(topic: Topic): Promise<void> {
    const name = topicName(topic);
    if (this.watched.has(name)) return;
    this.watched.set(name, this.nc!.subscribe(`${PREFIX}.${name}.*`, { callback: (err, msg) => this.receive(err, msg) }));
    // Once the server has the subscription, every later publish reaches this instance. While
    // NATS is away the client subscribes on reconnecting (and the hub then reads the log): no wait.
    if (!this.up) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.nc!.flush(), new Promise((resolve) => (timer = setTimeout(resolve, FLUSH_WAIT_MS)))]).finally(() => clearTimeout(timer));
  }

  unwatch(topic: Topic): void {
    const name = topicName(topic);
    this.watched.get(name)?.unsubscribe();
    this.watched.delete(name);
  }

  /** `attempt`, again while it fails with `code` (what time mends) and the deadline allows. */
  private async retrying<T>(deadline: number, code: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
        if ((err as { code?: string }).code !== code || Date.now() + STARTUP_RETRY_MS > deadline) throw err;
        if (tries === 0) this.log.info({ code, waitMs: deadline - Date.now() }, 'NATS is not ready yet; waiting for it');
        await new Promise((resolve) => setTimeout(resolve, STARTUP_RETRY_MS));
      }
    }
  }

  async peers(): Promise<number> {
    let n = 0;
    for await (const key of await this.registry!.keys()) if (key !== this.instanceId) n++;
    return n;
  }

  /** After a commit: one wake-up per chat and user touched, then the transaction's signals. */
  private announce(announced: Announcements): void {
    try {
      for (const chat of announced.chats) this.nc!.publish(subject({ chat }, 'log'));
      for (const user of announced.users) this.nc!.publish(subject({ user }, 'log'));
      for (const signal of announced.signals) void this.publish(signal);
    } catch (err) {
      // The connection is closed for good: readers sweep the log, and revocations, meanwhile.
      metrics.busPublishFailures.inc();
      this.log.warn({ err }, 'could not publish after a commit; instances will find it by sweeping');
    }
  }

  private receive(err: Error | null, msg: Msg): void {
    if (err) return void this.log.warn({ err }, 'NATS subscription failed');
    const kind = msg.subject.slice(msg.subject.lastIndexOf('.') + 1) as SignalKind;
    try {
      this.emit(kind, msg.data.length ? JSON.parse(decoder.decode(msg.data)) : null);
    } catch {
      this.log.warn({ subject: msg.subject }, 'unreadable NATS message');
    }
  }

  private async register(): Promise<void> {
    const now = encoder.encode(new Date().toISOString());
    try {
      await this.registry!.put(this.instanceId, now);
    } catch (err) {
      if (!this.up) return;
      // A NATS server that came back without its JetStream store has lost the bucket: make it again.
      try {
        this.registry = await this.nc!.jetstream({ timeout: 2000 }).views.kv(REGISTRY, { ttl: REGISTRY_TTL_MS, history: 1 });
        await this.registry.put(this.instanceId, now);
      } catch {
        this.log.warn({ err }, 'could not refresh this instance in the NATS registry');
      }
    }
  }

  /** Subscriptions come back with the connection (the client renews them); what was sent meanwhile is read. */
  private async followStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        if (this.up) this.log.warn('NATS connection lost; reconnecting');
        if (this.up) this.lostAt = Date.now();
        this.up = false;
      } else if (status.type === Events.Reconnect) {
        this.up = true;
        this.log.warn('NATS connection restored; reading what was missed');
        metrics.listenReconnects.inc();
        void this.register();
        this.reconnected(this.lostAt);
      }
    }
  }
}
