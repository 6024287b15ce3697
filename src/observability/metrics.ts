import client from 'prom-client';

/**
 * Process-wide Prometheus metrics. Several server instances in one process (tests) share them;
 * gauges sum over the instances registered with `trackInstance`.
 */
export const registry = new client.Registry();
// Process metrics under their standard names (process_*, nodejs_*), as dashboards expect them.
client.collectDefaultMetrics({ register: registry });

interface InstanceGauges {
  openSockets(): number;
  activeSubscriptions(): number;
  messagesWaiting(): number;
}
const instances = new Set<InstanceGauges>();

export function trackInstance(gauges: InstanceGauges): () => void {
  instances.add(gauges);
  return () => instances.delete(gauges);
}

/** A gauge whose value, when metrics are read, is `name`'s sum over the tracked instances. */
const instanceGauge = (name: string, help: string, gauge: keyof InstanceGauges) =>
  new client.Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set([...instances].reduce((total, i) => total + i[gauge](), 0));
    },
  });

export const metrics = {
  operations: new client.Counter({
    name: 'parley_graphql_operations_total',
    help: 'GraphQL operations over HTTP, by operation name, type and outcome',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [registry],
  }),
  openSockets: instanceGauge('parley_websocket_connections', 'Open WebSocket connections', 'openSockets'),
  activeSubscriptions: instanceGauge('parley_subscriptions_active', 'Active subscriptions', 'activeSubscriptions'),
  eventsPublished: new client.Counter({
    name: 'parley_events_published_total',
    help: 'Chat log entries written and typing signals sent, by kind',
    labelNames: ['type'] as const,
    registers: [registry],
  }),
  eventsDelivered: new client.Counter({
    name: 'parley_events_delivered_total',
    help: 'Events delivered to local subscribers, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  }),
  rateLimited: new client.Counter({
    name: 'parley_rate_limited_total',
    help: 'Calls refused with RATE_LIMITED, by limit',
    labelNames: ['limit'] as const,
    registers: [registry],
  }),
  socketsRefused: new client.Counter({
    name: 'parley_websocket_refused_total',
    help: 'WebSocket connections refused or closed by a cap, a revocation or a slow reader, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  listenReconnects: new client.Counter({
    name: 'parley_listen_reconnects_total',
    help: "Times the event bus's connection (LISTEN, or NATS) was restored after a loss",
    registers: [registry],
  }),
  busPublishFailures: new client.Counter({
    name: 'parley_bus_publish_failures_total',
    help: 'Announcements after a commit that the event bus refused (made up by the sweep)',
    registers: [registry],
  }),
  subscriptionExecutions: new client.Counter({
    name: 'parley_subscription_executions_total',
    help: 'GraphQL executions of subscription events: shared by a group of subscribers, or for one viewer',
    labelNames: ['mode'] as const,
    registers: [registry],
  }),
  subscriptionRetries: new client.Counter({
    name: 'parley_subscription_retries_total',
    help: 'Subscription events executed again because the database could not answer',
    registers: [registry],
  }),
  logEntriesRead: new client.Counter({
    name: 'parley_log_entries_read_total',
    help: 'Chat log entries this instance read',
    registers: [registry],
  }),
  logReads: new client.Counter({
    name: 'parley_log_reads_total',
    help: 'Reads of the chat log by this instance (entries read / reads: how many entries one read brings)',
    registers: [registry],
  }),
  logHeldBack: new client.Counter({
    name: 'parley_log_held_back_total',
    help: 'Reads of the chat log that found committed entries waiting behind a transaction still running',
    registers: [registry],
  }),
  deliveryLag: new client.Histogram({
    name: 'parley_event_delivery_lag_seconds',
    help: 'From the change (its transaction start) to handing its entry to local subscribers',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  messagesWaiting: instanceGauge('parley_messages_waiting', "Plain messages waiting for a batch: behind their chat's batch being written, or for the next batch to start", 'messagesWaiting'),
  messageBatches: new client.Histogram({
    name: 'parley_message_batch_size',
    help: "Plain messages written in one transaction: a chat's messages that came while the one before them was being written",
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  }),
};
