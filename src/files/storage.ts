import type { Readable } from 'node:stream';

/** Where an upload's bytes go, a served file's and its thumbnail's: keys derived from the upload id. */
export const keys = {
  /** What the client sent, until it has been checked. */
  staging: (id: string) => `staging/${id}`,
  /** The checked file as it is served (images re-encoded without their metadata). */
  file: (id: string) => `files/${id}`,
  thumbnail: (id: string) => `files/${id}.thumb`,
  /** Every key an upload may have used. */
  all: (id: string) => [`staging/${id}`, `files/${id}`, `files/${id}.thumb`],
};

export interface HttpHeader {
  name: string;
  value: string;
}

/** How a member's verified request for a file is answered. */
export interface DownloadHeaders {
  contentType: string;
  contentDisposition: string;
  cacheControl: string;
}

/**
 * The one storage interface, with one implementation per backend: local files under DATA_DIR
 * (local-storage.ts) and S3-compatible buckets (s3-storage.ts). Keys are plain relative paths
 * (see `keys`); deleting a key that does not exist is not an error.
 */
export interface FileStorage {
  /** Recorded with every upload, so that an instance only ever touches its own storage's files. */
  readonly kind: 'local' | 's3';
  /**
   * A URL the client PUTs the bytes to directly (a presigned one), or null when the bytes
   * come to Parley's own upload route.
   */
  presignUpload(key: string, upload: { contentType: string; size: number; expiresAt: Date }): Promise<{ url: string; headers: HttpHeader[] } | null>;
  /** The object's size, or null when it does not exist. */
  size(key: string): Promise<number | null>;
  /** The whole object (the caller has checked its size). */
  read(key: string): Promise<Buffer>;
  /** Streams the object, or null when it does not exist. */
  open(key: string): Promise<Readable | null>;
  /** Stores bytes, replacing any object under the key. */
  write(key: string, body: Buffer | Readable, contentType: string): Promise<void>;
  delete(keys: string[]): Promise<void>;
  /**
   * A link straight to the object, signed as of `signedAt` until `expiresAt` (the same for
   * every request in one time bucket, so browsers cache what it points to); null when the
   * bytes are served by Parley itself.
   */
  presignDownload(key: string, headers: DownloadHeaders, signedAt: Date, expiresAt: Date): Promise<string | null>;
  close(): void;
}
