import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config } from '../config.js';
import type { DownloadHeaders, FileStorage, HttpHeader } from './storage.js';

/**
 * An S3-compatible bucket (AWS S3, MinIO, R2, …) through the AWS SDK. Clients PUT straight to
 * the bucket with a presigned URL whose signature covers the declared type and length; members
 * are redirected to a presigned GET whose signing time is the start of a time bucket, so that
 * the URL, and the browser's cached copy, stay the same for that bucket.
 */
export class S3Storage implements FileStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: S3Config) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      // Checksums only where S3 requires them: otherwise the SDK puts the checksum of an empty
      // body into presigned PUT URLs, and the client's real bytes would not match it.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async presignUpload(key: string, upload: { contentType: string; size: number; expiresAt: Date }): Promise<{ url: string; headers: HttpHeader[] }> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: upload.contentType, ContentLength: upload.size });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: secondsUntil(upload.expiresAt),
      // The bucket refuses a body of another length or type than the one declared.
      signableHeaders: new Set(['content-type', 'content-length']),
    });
    return { url, headers: [{ name: 'Content-Type', value: upload.contentType }] };
  }

  async presignDownload(key: string, headers: DownloadHeaders, signedAt: Date, expiresAt: Date): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: headers.contentType,
      ResponseContentDisposition: headers.contentDisposition,
      ResponseCacheControl: headers.cacheControl,
    });
    return getSignedUrl(this.client, command, { signingDate: signedAt, expiresIn: Math.round((expiresAt.getTime() - signedAt.getTime()) / 1000) });
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async read(key: string): Promise<Buffer> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  async open(key: string): Promise<Readable | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return object.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async write(key: string, body: Buffer | Readable, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async delete(keys: string[]): Promise<void> {
    // One DeleteObject per key (S3 counts a missing key as deleted): DeleteObjects would be
    // fewer requests, but S3-compatible services disagree on the checksum it requires.
    for (let i = 0; i < keys.length; i += 10) {
      await Promise.all(keys.slice(i, i + 10).map((Key) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))));
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof NotFound || err instanceof NoSuchKey || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
}

function secondsUntil(at: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));
}
