import { createHmac, timingSafeEqual } from 'node:crypto';

export type Variant = 'file' | 'thumbnail';
export type LinkCheck = 'valid' | 'expired' | 'invalid';

/** A download link's time bucket: every link issued within it is the same URL. */
export interface LinkWindow {
  /** The bucket's start: when an S3 link is signed. */
  signedAt: Date;
  /** The end of the next bucket: a link is valid for at least one bucket, at most two. */
  expiresAt: Date;
}

/**
 * Signed, expiring links for the upload and download routes: HMAC-SHA256 over what the link
 * grants, with a key of their own derived from the token secret. A link carries no secret of
 * its user; who may use it is checked again when it is fetched.
 */
export class FileLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly baseUrl: () => string,
    /** Seconds a download link stays the same. */
    private readonly bucketSeconds: number,
  ) {
    this.key = createHmac('sha256', secret).update('parley file links v1').digest();
  }

  uploadUrl(uploadId: string, expiresAt: Date): string {
    const expires = epoch(expiresAt);
    return `${this.baseUrl()}/uploads/${uploadId}?expires=${expires}&signature=${this.sign('upload', uploadId, expires)}`;
  }

  checkUpload(uploadId: string, query: URLSearchParams): LinkCheck {
    return this.check(query, 'upload', uploadId);
  }

  window(now = Date.now()): LinkWindow {
    const bucket = this.bucketSeconds * 1000;
    const start = Math.floor(now / bucket) * bucket;
    return { signedAt: new Date(start), expiresAt: new Date(start + 2 * bucket) };
  }

  downloadUrl(uploadId: string, variant: Variant, userId: number, window: LinkWindow): string {
    const expires = epoch(window.expiresAt);
    const signature = this.sign('download', uploadId, variant, userId, expires);
    return `${this.baseUrl()}/files/${uploadId}/${variant}?user=${userId}&expires=${expires}&signature=${signature}`;
  }

  checkDownload(uploadId: string, variant: Variant, query: URLSearchParams): LinkCheck {
    return this.check(query, 'download', uploadId, variant, query.get('user') ?? '');
  }

  private check(query: URLSearchParams, ...granted: (string | number)[]): LinkCheck {
    const expires = query.get('expires') ?? '';
    const given = Buffer.from(query.get('signature') ?? '', 'base64url');
    const expected = Buffer.from(this.sign(...granted, expires), 'base64url');
    if (!/^\d{1,12}$/.test(expires) || given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(expires) * 1000 <= Date.now() ? 'expired' : 'valid';
  }

  private sign(...parts: (string | number)[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('base64url');
  }
}

const epoch = (at: Date) => Math.floor(at.getTime() / 1000);
