import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { Attachments } from './attachments.js';
import { FileAccess } from './file-access.js';
import { FileCleanup } from './file-cleanup.js';
import { FileLinks } from './links.js';
import { LocalStorage } from './local-storage.js';
import { S3Storage } from './s3-storage.js';
import type { FileStorage } from './storage.js';
import { UploadsService } from './uploads.service.js';

/** The storage STORAGE names. */
export function createStorage(config: Config): FileStorage {
  return config.files.s3 ? new S3Storage(config.files.s3) : new LocalStorage(path.join(config.dataDir, 'files'));
}

/** The sweep runs this often: a few times per orphan age, at least every ten minutes. */
export const sweepIntervalMs = (orphanTtlSeconds: number) => Math.max(200, Math.min(600_000, (orphanTtlSeconds * 1000) / 4));

/**
 * Files in chats: uploads, the attachments of messages, access to their bytes and their
 * deletion. `baseUrl` is where clients reach this server (PUBLIC_URL, or the listening address).
 */
export function createFiles(deps: { db: Db; config: Config; limits: RateLimits; secret: string; baseUrl: () => string; log: Logger; storage?: FileStorage }) {
  const { db, config, log } = deps;
  const storage = deps.storage ?? createStorage(config);
  const links = new FileLinks(deps.secret, deps.baseUrl, config.files.linkTtl);
  const uploads = new UploadsService(db, storage, links, deps.limits, config.files, log);
  const cleanup = new FileCleanup(db, storage, config.files.orphanTtl, log);
  return {
    storage,
    uploads,
    access: new FileAccess(db, storage, links),
    cleanup,
    attachments: new Attachments(uploads, cleanup, log),
    start: () => cleanup.start(sweepIntervalMs(config.files.orphanTtl)),
    async stop() {
      await cleanup.stop();
      storage.close();
    },
  };
}
export type Files = ReturnType<typeof createFiles>;
