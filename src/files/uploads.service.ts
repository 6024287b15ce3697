import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { and, eq, gt, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import { AppError, badInput, conflict, ErrorCode, forbidden, notFound } from '../common/errors.js';
import { validate } from '../common/validation.js';
import type { FilesConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { uploads, type UploadRow } from '../db/schema.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { UnacceptableFile } from './file-types.js';
import { THUMBNAIL } from './images.js';
import { ConcurrencyLimit } from './limit.js';
import type { FileLinks } from './links.js';
import { keys, type FileStorage, type HttpHeader } from './storage.js';
import { checkFile } from './upload-check.js';
import { createUploadRules } from './upload.rules.js';

export interface UploadTicket {
  id: string;
  uploadUrl: string;
  headers: HttpHeader[];
  expiresAt: Date;
}

/** The bytes sent were more than declared: refused while they arrive (HTTP 413). */
export class UploadTooLarge extends AppError {
  constructor(declared: number) {
    super(ErrorCode.BAD_USER_INPUT, `The upload is larger than its declared size of ${declared} bytes`, { field: 'file' });
  }
}

/**
 * Uploads from `createUpload` to a checked file: the client sends the bytes to the URL it was
 * given (Parley's own route, or straight to the bucket), then Parley checks them once — at the
 * PUT when they come to Parley, at `sendMessage` when they went to the bucket. A file that is
 * refused is deleted, row and bytes: nothing of it is kept.
 */
export class UploadsService {
  // Decoding images is CPU- and memory-heavy: a few at a time per instance.
  private readonly checks = new ConcurrencyLimit(2);

  constructor(
    private readonly db: Db,
    private readonly storage: FileStorage,
    private readonly links: FileLinks,
    private readonly limits: RateLimits,
    private readonly config: FilesConfig,
    private readonly log: Logger,
  ) {}

  async create(viewerId: number, input: { filename: string; contentType: string; size: number }): Promise<UploadTicket> {
    const data = validate(createUploadRules(this.config.maxBytes), input);
    await this.limits.consume('upload', viewerId);
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.uploadUrlTtl * 1000);
    await this.db.insert(uploads).values({
      id,
      storage: this.storage.kind,
      ownerId: viewerId,
      filename: data.filename.slice(0, 255),
      declaredType: data.contentType,
      declaredSize: data.size,
      expiresAt,
    });
    const direct = await this.storage.presignUpload(keys.staging(id), { contentType: data.contentType, size: data.size, expiresAt });
    const target = direct ?? { url: this.links.uploadUrl(id, expiresAt), headers: [{ name: 'Content-Type', value: data.contentType }] };
    return { id, uploadUrl: target.url, headers: target.headers, expiresAt };
  }

  /**
   * The bytes of an upload sent to Parley itself (local storage): the size is enforced while
   * they stream in, then they are checked at once, so the client learns the outcome from the PUT.
   */
  async receive(id: string, query: URLSearchParams, body: Readable, contentLength: number | undefined): Promise<UploadRow> {
    const link = this.links.checkUpload(id, query);
    if (link !== 'valid') throw forbidden(link === 'expired' ? 'The upload URL has expired' : 'The upload URL is not valid');
    const [row] = await this.db
      .update(uploads)
      .set({ status: 'RECEIVING' })
      .where(and(eq(uploads.id, id), eq(uploads.storage, this.storage.kind), eq(uploads.status, 'PENDING'), gt(uploads.expiresAt, new Date())))
      .returning();
    if (!row) {
      const [existing] = await this.db.select({ status: uploads.status }).from(uploads).where(eq(uploads.id, id));
      if (!existing) throw notFound('Upload');
      throw conflict('The bytes of this upload have already been received');
    }
    if (contentLength !== undefined && contentLength > row.declaredSize) return this.refuse(row, new UploadTooLarge(row.declaredSize));
    try {
      await this.storage.write(keys.staging(id), atMost(body, row.declaredSize), row.declaredType);
    } catch (err) {
      if (err instanceof UploadTooLarge) return this.refuse(row, err);
      // The client went away mid-way: it may send the bytes again.
      await this.storage.delete([keys.staging(id)]).catch(() => {});
      await this.db.update(uploads).set({ status: 'PENDING' }).where(eq(uploads.id, id));
      throw err;
    }
    return this.check(row);
  }

  /**
   * Checks the viewer's uploads among `ids` whose bytes went straight to the bucket. Others'
   * uploads, used ones and unknown ids are left for the attaching transaction to refuse.
   */
  async checkArrived(viewerId: number, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const pending = await this.db
      .select()
      .from(uploads)
      .where(and(inArray(uploads.id, ids), eq(uploads.ownerId, viewerId), eq(uploads.storage, this.storage.kind), eq(uploads.status, 'PENDING')));
    const outcomes = await Promise.allSettled(
      pending.map(async (row) => {
        // Looked at before claiming, so that asking early never stands in the way of the bytes.
        const size = await this.storage.size(keys.staging(row.id));
        if (size === null) throw badInput('attachmentIds', `${row.filename}: its bytes have not been uploaded yet`);
        const [claimed] = await this.db
          .update(uploads)
          .set({ status: 'RECEIVING' })
          .where(and(eq(uploads.id, row.id), eq(uploads.status, 'PENDING')))
          .returning();
        // Another request is checking it: the attaching transaction finds it READY, or refuses it.
        if (!claimed) return;
        if (size !== row.declaredSize) return this.refuse(row, badInput('attachmentIds', `${row.filename}: ${size} bytes were uploaded, ${row.declaredSize} declared`));
        return this.check(claimed, 'attachmentIds');
      }),
    );
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Reads the received bytes, checks them and stores what is served, or refuses the upload. */
  private async check(row: UploadRow, field = 'file'): Promise<UploadRow> {
    return this.checks.run(async () => {
      let checked;
      try {
        const bytes = await this.storage.read(keys.staging(row.id));
        if (bytes.length !== row.declaredSize) throw new UnacceptableFile(`${bytes.length} bytes were uploaded, ${row.declaredSize} declared`);
        checked = await checkFile(bytes, { type: row.declaredType, filename: row.filename }, { maxPixels: this.config.maxImagePixels, timeoutSeconds: this.config.imageTimeoutSeconds });
        // What is served is written from the bytes just checked, never copied from staging: a
        // bucket's presigned PUT stays valid until it expires, so staging may change meanwhile.
        await this.storage.write(keys.file(row.id), checked.image?.file ?? bytes, checked.kind.mime);
        if (checked.image) await this.storage.write(keys.thumbnail(row.id), checked.image.thumbnail, THUMBNAIL.contentType);
        await this.storage.delete([keys.staging(row.id)]);
      } catch (err) {
        if (err instanceof UnacceptableFile) return this.refuse(row, badInput(field, `${row.filename}: ${err.message}`));
        await this.db.update(uploads).set({ status: 'PENDING' }).where(eq(uploads.id, row.id));
        throw err;
      }
      const [ready] = await this.db
        .update(uploads)
        .set({
          status: 'READY',
          filename: checked.filename,
          contentType: checked.kind.mime,
          size: checked.image?.file.length ?? row.declaredSize,
          width: checked.image?.width ?? null,
          height: checked.image?.height ?? null,
          hasThumbnail: checked.image !== null,
        })
        .where(and(eq(uploads.id, row.id), eq(uploads.status, 'RECEIVING')))
        .returning();
      if (!ready) {
        // Swept meanwhile: nothing may outlive its row.
        await this.storage.delete(keys.all(row.id));
        throw notFound('Upload');
      }
      return ready;
    });
  }

  /** Nothing of a refused upload is kept: its bytes, whatever was made of them, its row. */
  private async refuse(row: UploadRow, error: AppError): Promise<never> {
    this.log.info({ uploadId: row.id, reason: error.message }, 'upload refused');
    await this.storage.delete(keys.all(row.id));
    await this.db.delete(uploads).where(eq(uploads.id, row.id));
    throw error;
  }
}

/**
 * The body, failing with UploadTooLarge as soon as it passes `max` bytes. The request itself is
 * left open but no longer read (not destroyed, so the 413 can still be sent on it), and a client
 * that goes away mid-way fails the write instead of stalling it.
 */
function atMost(body: Readable, max: number): Readable {
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > max ? new UploadTooLarge(max) : null, chunk);
    },
  });
  // The writer may attach a moment later (after making a directory, say): until then an error
  // waits in the stream's state, where it will find it, instead of being thrown.
  counted.on('error', () => {});
  body.once('error', (err) => counted.destroy(err));
  body.once('close', () => {
    if (!body.readableEnded) counted.destroy(new Error('The upload was interrupted'));
  });
  return body.pipe(counted);
}
