import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileStorage } from './storage.js';

/**
 * Files under one directory (DATA_DIR/files): the zero-setup storage. Writes go to a temporary
 * name first and are renamed into place, so a reader never sees half a file. Uploads come to
 * Parley's own route (src/files/file-routes.ts), downloads are streamed by Parley.
 */
export class LocalStorage implements FileStorage {
  readonly kind = 'local' as const;

  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    // Keys are made by src/files/storage.ts; this only guards against a mistake.
    if (!full.startsWith(this.root + path.sep)) throw new Error(`Storage key outside the storage: ${key}`);
    return full;
  }

  async presignUpload() {
    return null;
  }

  async presignDownload() {
    return null;
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await fs.stat(this.pathOf(key))).size;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  read(key: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(key));
  }

  async open(key: string): Promise<Readable | null> {
    try {
      return (await fs.open(this.pathOf(key), 'r')).createReadStream();
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async write(key: string, body: Buffer | Readable): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.part`;
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(temporary, { mode: 0o600 }));
      await fs.rename(temporary, target);
    } catch (err) {
      await fs.rm(temporary, { force: true });
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => fs.rm(this.pathOf(k), { force: true })));
  }

  close(): void {}
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
