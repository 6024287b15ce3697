import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';

export interface ProvisionedDatabase {
  url: string;
  /** What start-up prints: where the data lives, without credentials. */
  description: string;
  /** Worth saying at start-up besides the description: where root's embedded database went, and why. */
  notice?: string;
  stop(): Promise<void>;
}

/** DATABASE_URL when given; otherwise an embedded PostgreSQL under DATA_DIR. */
export async function provisionDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPort: number;
  onLog?: (message: string) => void;
}): Promise<ProvisionedDatabase> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, description: redactUrl(options.databaseUrl), stop: async () => {} };
  }
  const dir = path.join(options.dataDir, 'pg');
  const embedded = await startEmbeddedPostgres({ dir, port: options.embeddedPort, onLog: options.onLog });
  const moved = embedded.relocated;
  return {
    url: embedded.url,
    description: `embedded PostgreSQL on 127.0.0.1:${options.embeddedPort} (data in ${embedded.dataDir}${embedded.shared ? ', already running' : ''})`,
    ...(moved
      ? {
          notice:
            `The embedded PostgreSQL runs as the "${moved.user}" user, who cannot enter ${moved.closed} (which keeps its permissions): ` +
            [moved.linkedFrom && `its data is in ${embedded.dataDir}, linked from ${moved.linkedFrom}`, moved.binariesDir && `its binaries are in ${moved.binariesDir}`]
              .filter(Boolean)
              .join('; '),
        }
      : {}),
    stop: embedded.stop,
  };
}

/** The database as configured for `npm start` (and scripts using the same data), logging to `log`. */
export function provisionConfiguredDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPgPort'>,
  log: Logger,
): Promise<ProvisionedDatabase> {
  return provisionDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    embeddedPort: config.embeddedPgPort,
    onLog: (message) => log.debug({ source: 'postgres' }, message.trim()),
  });
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
