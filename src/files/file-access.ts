import type { Readable } from 'node:stream';
import { and, eq, isNull } from 'drizzle-orm';
import { forbidden, notFound } from '../common/errors.js';
import type { Db } from '../db/client.js';
import { chatParticipants, messages, uploads, type UploadRow } from '../db/schema.js';
import { THUMBNAIL } from './images.js';
import type { FileLinks, Variant } from './links.js';
import { keys, type DownloadHeaders, type FileStorage } from './storage.js';

/** A file as a message shows it: the upload and the chat it was sent to. */
export type AttachmentView = UploadRow & { chatId: number };

export type Download =
  | { kind: 'stream'; headers: DownloadHeaders & { etag: string }; body: Readable; size: number | null }
  | { kind: 'redirect'; location: string }
  | { kind: 'not-modified'; headers: DownloadHeaders & { etag: string } };

/**
 * Who may have a file's bytes: the current members of the chat of a message that is not
 * deleted — checked when a link is handed out (`link`) and again when it is fetched (`open`),
 * so leaving a chat, or the message being deleted, ends access to links already given. With S3
 * the answer is a redirect to a bucket URL that stays the same all time bucket long (so browsers
 * cache the bytes): whoever already followed it keeps that URL until it expires, at most
 * 2 × FILE_URL_TTL; deleting the message deletes the bytes, which ends it at once.
 */
export class FileAccess {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStorage,
    private readonly links: FileLinks,
  ) {}

  /** A signed link for a member (the caller checked membership), the same URL all time bucket long. */
  link(upload: AttachmentView, variant: Variant, viewerId: number): string | null {
    if (variant === 'thumbnail' && !upload.hasThumbnail) return null;
    // Files of another storage (written before STORAGE changed) are not served from this one.
    if (upload.storage !== this.storage.kind) return null;
    return this.links.downloadUrl(upload.id, variant, viewerId, this.links.window());
  }

  async open(id: string, variant: Variant, query: URLSearchParams, ifNoneMatch: string | undefined): Promise<Download> {
    const check = this.links.checkDownload(id, variant, query);
    if (check !== 'valid') throw forbidden(check === 'expired' ? 'The link has expired' : 'The link is not valid');
    const userId = Number(query.get('user'));
    const [row] = await this.db
      .select({ upload: uploads })
      .from(uploads)
      .innerJoin(messages, and(eq(messages.id, uploads.messageId), isNull(messages.deletedAt)))
      .innerJoin(chatParticipants, and(eq(chatParticipants.chatId, messages.chatId), eq(chatParticipants.userId, userId)))
      .where(and(eq(uploads.id, id), eq(uploads.status, 'READY'), eq(uploads.storage, this.storage.kind)));
    if (!row || (variant === 'thumbnail' && !row.upload.hasThumbnail)) throw notFound('File');
    const window = this.links.window();
    const headers = { ...downloadHeaders(row.upload, variant, window.expiresAt.getTime() - window.signedAt.getTime()), etag: `"${id}.${variant}"` };
    const key = variant === 'thumbnail' ? keys.thumbnail(id) : keys.file(id);
    const location = await this.storage.presignDownload(key, headers, window.signedAt, window.expiresAt);
    if (location) return { kind: 'redirect', location };
    // The bytes under an id never change: a copy the browser holds is current.
    if (ifNoneMatch?.split(',').some((tag) => tag.trim() === headers.etag)) return { kind: 'not-modified', headers };
    const body = await this.storage.open(key);
    if (!body) throw notFound('File');
    return { kind: 'stream', headers, body, size: variant === 'file' ? row.upload.size : null };
  }
}

/**
 * Images are shown inline; everything else is a download (`attachment`), so a browser never
 * renders a document in a page. Both may be kept in the browser's private cache as long as
 * their link lives: the bytes under a link never change.
 */
function downloadHeaders(upload: UploadRow, variant: Variant, validMs: number): DownloadHeaders {
  const image = upload.hasThumbnail;
  const filename = variant === 'thumbnail' ? `${stem(upload.filename)}-thumbnail.webp` : upload.filename;
  return {
    contentType: variant === 'thumbnail' ? THUMBNAIL.contentType : upload.contentType!,
    contentDisposition: `${image ? 'inline' : 'attachment'}; ${dispositionFilename(filename)}`,
    cacheControl: `private, max-age=${Math.floor(validMs / 1000)}, immutable`,
  };
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** RFC 6266: an ASCII fallback and the exact name in UTF-8. */
function dispositionFilename(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
