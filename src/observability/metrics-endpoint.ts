import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import { registry } from './metrics.js';

export interface MetricsEndpoint {
  /** Whether /metrics is answered on the main HTTP port. */
  onMainPort: boolean;
  /** Answers a request for /metrics (the token, when one is configured, is checked here). */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Who may read the metrics. With METRICS_PORT they are served there only (a port a firewall
 * keeps private); with METRICS_TOKEN a scraper must send `Authorization: Bearer <token>`.
 * With neither, development serves them openly and production not at all.
 */
export function metricsEndpoint(config: Pick<Config, 'metrics' | 'isProduction'>): MetricsEndpoint {
  const { port, token } = config.metrics;
  const expected = token === undefined ? undefined : digest(token);
  return {
    onMainPort: port === undefined && (token !== undefined || !config.isProduction),
    async serve(req, res) {
      if (expected && !authorised(req.headers.authorization, expected)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' });
        return void res.end('Unauthorized\n');
      }
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests in constant time, so the token cannot be guessed byte by byte. */
function authorised(header: string | undefined, expected: Buffer): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), expected);
}
